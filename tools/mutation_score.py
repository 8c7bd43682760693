"""Mutation score per file, from the results `mutmut run` leaves in mutants/.

    python tools/mutation_score.py            # a table: killed / total per file, and the survivors
    python tools/mutation_score.py --names    # also list every surviving mutant's name

A mutant counts as killed when a test failed (or it timed out: the tests noticed). Mutants listed
in tools/equivalent_mutants.txt behave exactly like the original code; they are counted apart,
so the score is over the mutants a test could kill. Not yet checked mutants are shown as such.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT = ROOT / "tools" / "equivalent_mutants.txt"
FILES = (
    "flows/router.py",
    "flows/context.py",
    "storage/store.py",
    "storage/writer.py",
    "lending/ledger.py",
    "lending/allocation.py",
    "risk/decide.py",
)
KILLED = {1, 3, 36, 24, -24, 152, 255}  # a failing test, pytest's internal error, or a timeout
SURVIVED = {0}


def equivalent() -> set[str]:
    if not EQUIVALENT.exists():
        return set()
    lines = EQUIVALENT.read_text(encoding="utf-8").splitlines()
    return {line.split()[0] for line in lines if line.strip() and not line.startswith("#")}


def outcome(exit_code: int | None) -> str:
    if exit_code is None:
        return "unchecked"
    if exit_code in KILLED:
        return "killed"
    if exit_code in SURVIVED:
        return "survived"
    return "no tests" if exit_code in (5, 33) else "other"


def main(show_names: bool) -> int:
    same = equivalent()
    total = Counter[str]()
    print(f"{'file':<24}{'mutants':>8}{'killed':>8}{'survived':>9}{'equiv.':>7}{'other':>7}  score")
    survivors: list[str] = []
    for name in FILES:
        meta = ROOT / "mutants" / f"{name}.meta"
        if not meta.exists():
            print(f"{name:<24}  not run")
            continue
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        counts = Counter[str]()
        for key, code in codes.items():
            kind = outcome(code)
            if kind == "survived" and key in same:
                kind = "equivalent"
            counts[kind] += 1
            if kind == "survived":
                survivors.append(key)
        total.update(counts)
        print(_row(name, len(codes), counts))
    print(_row("all", sum(total.values()), total))
    if show_names:
        print("\n".join(sorted(survivors)))
    return 0


def _row(name: str, mutants: int, counts: Counter[str]) -> str:
    killable = mutants - counts["equivalent"] - counts["unchecked"]
    score = f"{100 * counts['killed'] / killable:.1f}%" if killable else "-"
    unchecked = f"  ({counts['unchecked']} not checked yet)" if counts["unchecked"] else ""
    other = counts["no tests"] + counts["other"]
    return (
        f"{name:<24}{mutants:>8}{counts['killed']:>8}{counts['survived']:>9}"
        f"{counts['equivalent']:>7}{other:>7}  {score}{unchecked}"
    )


if __name__ == "__main__":
    sys.exit(main("--names" in sys.argv[1:]))
