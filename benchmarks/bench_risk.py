"""Time risk.assess on varied applications against a naive scorer.

Run: `python -m benchmarks.bench_risk`.

The naive peer re-reads and re-parses the JSON scorecard on every call, the way a first
version of a service often does; both run in the same process on the same inputs.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import risk
from risk.application import (
    Application,
    BankBalance,
    CreditHistory,
    Employment,
    EmploymentLength,
    Housing,
    OtherInstalments,
    PolicyContext,
    Property,
    Purpose,
    Savings,
)
from risk.decide import assess_with
from risk.scorecard import scorecard_from_document

N = 20_000
TARGET_P99_US = 100.0
SCORECARD_PATH = Path(risk.__file__).with_name("scorecard.json")


def varied_applications(n: int, seed: int = 0) -> list[tuple[Application, PolicyContext]]:
    rng = random.Random(seed)
    as_of = date(2026, 11, 23)
    cases = []
    for _ in range(n):
        app = Application(
            age=rng.randint(17, 65),
            monthly_income_fen=rng.randint(2_000, 60_000) * 100,
            employment=rng.choice(list(Employment)),
            employment_length=rng.choice(list(EmploymentLength)),
            bank_balance=rng.choice(list(BankBalance)),
            credit_history=rng.choice(list(CreditHistory)),
            purpose=rng.choice(list(Purpose)),
            savings=rng.choice(list(Savings)),
            housing=rng.choice(list(Housing)),
            property=rng.choice(list(Property)),
            other_instalments=rng.choice(list(OtherInstalments)),
            existing_credits=rng.randint(0, 4),
            dependents=rng.randint(0, 3),
            requested_amount_fen=rng.randint(5, 500) * 10_000,
            requested_term_months=rng.choice((3, 6, 12, 24)),
        )
        cases.append((app, PolicyContext(as_of=as_of, has_overdue_loan=rng.random() < 0.02)))
    return cases


def naive_assess(app: Application, ctx: PolicyContext) -> object:
    card = scorecard_from_document(json.loads(SCORECARD_PATH.read_text(encoding="utf-8")))
    return assess_with(card, app, ctx)


def measure(
    fn: Callable[[Application, PolicyContext], object],
    cases: Sequence[tuple[Application, PolicyContext]],
) -> list[float]:
    timings = []
    clock = time.perf_counter_ns
    for app, ctx in cases:
        start = clock()
        fn(app, ctx)
        timings.append((clock() - start) / 1000)
    return timings


def row(name: str, timings: list[float]) -> tuple[str, float]:
    ordered = sorted(timings)
    p50 = statistics.median(ordered)
    p99 = ordered[int(0.99 * (len(ordered) - 1))]
    rate = len(ordered) / (sum(ordered) / 1e6)
    line = f"{name:<28} {p50:>9.1f} {p99:>9.1f} {ordered[-1]:>9.1f} {rate:>12,.0f}"
    return line, p99


def main() -> int:
    cases = varied_applications(N)
    measure(risk.assess, cases[:1000])  # warm the price table and the interpreter's caches
    fast = measure(risk.assess, cases)
    naive = measure(naive_assess, cases[: N // 10])
    print(f"risk.assess, {N:,} varied applications (naive peer on {N // 10:,})")
    print(f"{'implementation':<28} {'p50 µs':>9} {'p99 µs':>9} {'max µs':>9} {'apps/s':>12}")
    fast_line, fast_p99 = row("risk.assess (tables)", fast)
    naive_line, naive_p99 = row("naive (re-read JSON)", naive)
    print(fast_line)
    print(naive_line)
    print(f"p99 ratio naive / tables: {naive_p99 / fast_p99:.1f}x")
    verdict = "met" if fast_p99 < TARGET_P99_US else "NOT met"
    print(f"target p99 < {TARGET_P99_US:.0f} µs: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
