# The two commands a newcomer needs: `make run` and `make test`. Both install first when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYBABEL := $(BIN)/pybabel
DOMAINS := messages risk
LOCALES := zh_CN en
MO_FILES := $(foreach l,$(LOCALES),$(foreach d,$(DOMAINS),locales/$(l)/LC_MESSAGES/$(d).mo))

.PHONY: install run demo test lint bench catalogs compile clean migration mutation

install: $(STAMP) $(MO_FILES)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

# Compiled catalogs are build products (not committed); the .po files are the source.
locales/%.mo: locales/%.po $(STAMP)
	$(PYBABEL) compile --statistics --use-fuzzy -i $< -o $@ 2>&1 | tail -1

compile: $(MO_FILES)

run: install
	$(BIN)/python run_bot.py migrate --only-sqlite
	$(BIN)/python run_bot.py

demo: install
	$(BIN)/python run_bot.py demo

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

bench: install
	$(BIN)/python -m benchmarks

# Mutation testing of the core (not in CI; an hour or more on two cores). Files and tests are set
# in pyproject.toml [tool.mutmut]; each mutant runs only the tests that reach its function.
# One file: `make mutation MUTANTS='flows.router.*'`. It resumes where an interrupted run stopped.
MUTANTS ?=
mutation: install
	$(BIN)/python -m pip install --quiet -e '.[mutation]'
	$(BIN)/mutmut run --max-children 2 $(MUTANTS)
	$(BIN)/python tools/mutation_score.py

# After changing or adding user-facing text: re-extract and merge into both languages.
catalogs: $(STAMP)
	$(PYBABEL) extract -F babel.cfg -k N_ --no-wrap --sort-by-file --project chatlend -o locales/messages.pot .
	$(PYBABEL) extract -k N_ --no-wrap --sort-by-file --project chatlend -o locales/risk.pot risk
	for d in $(DOMAINS); do for l in $(LOCALES); do \
		$(PYBABEL) update --no-wrap --no-fuzzy-matching -D $$d -l $$l -i locales/$$d.pot -d locales; done; done
	$(BIN)/python -m flows.catalog_check --fill-english

# After changing storage/tables.py: `make migration m="what changed"` writes the migration that
# brings a database from the newest migration to the tables as defined (review it, then commit).
MIGRATION_DB := $(VENV)/migration-base.db
migration: install
	@test -n "$(m)" || { echo 'usage: make migration m="what changed"'; exit 2; }
	rm -f $(MIGRATION_DB)
	$(BIN)/alembic -x url=sqlite:///$(MIGRATION_DB) upgrade head
	$(BIN)/alembic -x url=sqlite:///$(MIGRATION_DB) revision --autogenerate -m "$(m)"
	rm -f $(MIGRATION_DB)

clean:
	rm -rf $(VENV) locales/*/LC_MESSAGES/*.mo .pytest_cache .mypy_cache .ruff_cache
