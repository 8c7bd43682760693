"""Time risk.assess on varied applications against a plain scorecard reading the same tables.

Run: `python -m benchmarks.bench_risk`.

The peer is a real scorer, the way a scorecard is usually applied: the committed JSON is read
once, and each application's points are found by walking each feature's bins in order (the
categories of a bin, or its upper bound). Everything else is the same code (policy rules,
affordability on real schedules, price, line, reasons), so the ratio is what our lookup tables
(a dict per categorical feature, a bisection per numeric one) buy. Both run in the same process
on the same inputs, from the generator the tests use (risk.samples).

Instalments are kept by their inputs (lending.schedule.largest_equal_instalment_fen); each side
starts every measured half with that cache emptied, so neither reuses the other's work. The
generator draws 600 amounts and 5 terms where the chat offers 4 and 3, so it misses more often
than a day of real applications would.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import risk
from lending.schedule import largest_equal_instalment_fen
from risk.application import Application, PolicyContext
from risk.decide import assess_with
from risk.samples import random_applications
from risk.scorecard import FeatureTable, Scorecard, scorecard_from_document

N = 20_000
TARGET_P99_US = 100.0
SCORECARD_PATH = Path(risk.__file__).with_name("scorecard.json")


def varied_applications(n: int, seed: int = 0) -> list[tuple[Application, PolicyContext]]:
    rng = random.Random(seed)
    as_of = date(2026, 11, 23)
    return [
        (app, PolicyContext(as_of=as_of, has_overdue_loan=rng.random() < 0.02))
        for app in random_applications(n, seed)
    ]


@dataclass(frozen=True, slots=True)
class ScannedFeature(FeatureTable):
    """A feature scored by walking its bins as the JSON lists them."""

    bins: tuple[Mapping[str, Any], ...] = ()
    pooled: tuple[Mapping[str, Any], ...] = ()

    def points_for(self, value: str | float) -> int:
        if self.kind == "categorical":
            for b in (*self.bins, *({"categories": [p["category"]], **p} for p in self.pooled)):
                if value in b["categories"]:
                    return int(b["points"])
            raise KeyError(value)
        for b in self.bins:
            if b["upper"] is None or float(value) < b["upper"]:
                return int(b["points"])
        raise ValueError(value)


def plain_scorecard(path: Path = SCORECARD_PATH) -> Scorecard:
    """The committed scorecard, read once, scoring by walking the JSON's bins."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    card = scorecard_from_document(doc)
    scanned = tuple(
        ScannedFeature(
            **{name: getattr(table, name) for name in FeatureTable.__dataclass_fields__},
            bins=tuple(feature["bins"]),
            pooled=tuple(feature.get("pooled", ())),
        )
        for table, feature in zip(card.features, doc["features"], strict=True)
    )
    return replace(card, features=scanned)


PLAIN = plain_scorecard()


def plain_assess(app: Application, ctx: PolicyContext) -> object:
    return assess_with(PLAIN, app, ctx)


def measure(
    fn: Callable[[Application, PolicyContext], object],
    cases: Sequence[tuple[Application, PolicyContext]],
) -> list[tuple[float, float]]:
    """(wall, CPU) µs of each call. The wall clock is what a borrower waits; the thread's CPU
    time leaves out the time the scheduler gives the core to the machine's other processes."""
    largest_equal_instalment_fen.cache_clear()  # each run pays for its own schedules
    timings = []
    wall, cpu = time.perf_counter_ns, time.thread_time_ns
    for app, ctx in cases:
        start_wall, start_cpu = wall(), cpu()
        fn(app, ctx)
        timings.append(((wall() - start_wall) / 1000, (cpu() - start_cpu) / 1000))
    return timings


def row(name: str, timings: list[float]) -> tuple[str, float]:
    ordered = sorted(timings)
    p50 = statistics.median(ordered)
    p99 = ordered[int(0.99 * (len(ordered) - 1))]
    rate = len(ordered) / (sum(ordered) / 1e6)
    line = f"{name:<28} {p50:>9.1f} {p99:>9.1f} {ordered[-1]:>9.1f} {rate:>12,.0f}"
    return line, p99


def compare(clock: str, fast: list[float], plain: list[float]) -> float:
    """Print both sides on one clock; the p99 of ours."""
    print(f"{clock:<28} {'p50 µs':>9} {'p99 µs':>9} {'max µs':>9} {'apps/s':>12}")
    fast_line, fast_p99 = row("risk.assess (tables)", fast)
    plain_line, plain_p99 = row("plain (walks JSON bins)", plain)
    print(fast_line)
    print(plain_line)
    p50_ratio = statistics.median(plain) / statistics.median(fast)
    print(f"ratio plain / tables: p50 {p50_ratio:.2f}x, p99 {plain_p99 / fast_p99:.2f}x")
    return fast_p99


def main() -> int:
    cases = varied_applications(N)
    for fn in (risk.assess, plain_assess):  # warm the price table and the interpreter's caches
        measure(fn, cases[:1000])
    # interleaved halves, so that a noisy neighbour weighs on both alike
    half = N // 2
    fast = measure(risk.assess, cases[:half])
    plain = measure(plain_assess, cases[:half])
    fast += measure(risk.assess, cases[half:])
    plain += measure(plain_assess, cases[half:])
    assert all(risk.assess(a, c) == plain_assess(a, c) for a, c in cases[:200])
    print(f"risk.assess, {N:,} varied applications, against a plain scorer on the same inputs")
    wall_p99 = compare("wall clock", [w for w, _ in fast], [w for w, _ in plain])
    cpu_p99 = compare("thread CPU time", [c for _, c in fast], [c for _, c in plain])
    verdict = "met" if wall_p99 < TARGET_P99_US else "NOT met"
    print(
        f"target p99 < {TARGET_P99_US:.0f} µs (wall clock): {verdict}; on CPU time {cpu_p99:.0f} µs"
    )
    # a p99 of a few tens of µs is set by how often the scheduler takes the core away mid-call
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average {load} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
