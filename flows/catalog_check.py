"""Are both languages complete? Every message translated, with the same {placeholders}.

`python -m flows.catalog_check` prints the problems and exits 1 if there are any;
`--fill-english` first copies each untranslated English msgid into its msgstr (the English
catalog translates every message to itself, and exists so the check can cover it too).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from flows.i18n import DOMAINS, LOCALES_DIR, SUPPORTED_LOCALES

PLACEHOLDER = re.compile(r"\{(\w*)\}")


def catalog_path(locale: str, domain: str) -> Path:
    return LOCALES_DIR / locale / "LC_MESSAGES" / f"{domain}.po"


def read(locale: str, domain: str) -> Catalog:
    with catalog_path(locale, domain).open("rb") as handle:
        return read_po(handle, locale=locale, domain=domain)


def template_ids(domain: str) -> set[str]:
    with (LOCALES_DIR / f"{domain}.pot").open("rb") as handle:
        return {str(m.id) for m in read_po(handle) if m.id}


def code_ids(domain: str) -> set[str]:
    """Every message the code marks with _() or N_(), found the way `make catalogs` finds them."""
    from babel.messages.extract import extract_from_dir

    folder = LOCALES_DIR.parent / ("flows" if domain == "messages" else domain)
    keywords = {"_": None, "N_": None}
    return {
        str(message)
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(folder), method_map=[("**.py", "python")], keywords=keywords
        )
        if isinstance(message, str)
    }


def problems() -> list[str]:
    found: list[str] = []
    for domain in DOMAINS:
        stale = code_ids(domain) - template_ids(domain)
        found += [
            f"{domain}.pot: not extracted yet (make catalogs) {msgid!r}" for msgid in sorted(stale)
        ]
    for domain in DOMAINS:
        expected = template_ids(domain)
        for locale in SUPPORTED_LOCALES:
            catalog = read(locale, domain)
            present = {str(m.id) for m in catalog if m.id}
            found += [
                f"{locale}/{domain}: missing {msgid!r}" for msgid in sorted(expected - present)
            ]
            for message in catalog:
                if not message.id:
                    continue
                msgid, msgstr = str(message.id), str(message.string or "")
                if not msgstr:
                    found.append(f"{locale}/{domain}: untranslated {msgid!r}")
                elif message.fuzzy:
                    found.append(f"{locale}/{domain}: fuzzy {msgid!r}")
                elif sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(msgstr)):
                    found.append(f"{locale}/{domain}: placeholders differ in {msgid!r}")
    return found


def fill_english() -> None:
    for domain in DOMAINS:
        catalog = read("en", domain)
        for message in catalog:
            if message.id and not message.string:
                message.string = message.id
        with catalog_path("en", domain).open("wb") as handle:
            write_po(handle, catalog, width=0)


def main(argv: list[str]) -> int:
    if "--fill-english" in argv:
        fill_english()
    found = problems()
    for line in found:
        print(line)
    print(f"{len(found)} catalog problem(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
