"""What one amount costs to format, for the docstring of `flows.i18n._money_shape` that quotes it.

Run: `python -m benchmarks.bench_money_text`.

Both rows format the same amounts to the same text (checked): Babel's `format_currency` each
time, and `Texts.money`, which reads Babel's format for the locale once and reuses its shape.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from functools import partial

from flows.i18n import babel_money, texts

AMOUNTS = (0, 5, 99, 100_000, 123_456, 8_000_000, 999_999_999_999)
CALLS = 2_000  # rounds of every amount
REPEATS = 5


def per_amount(format_one: Callable[[int], str]) -> float:
    """Median µs per amount over REPEATS runs."""
    runs = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        for _ in range(CALLS):
            for fen in AMOUNTS:
                format_one(fen)
        runs.append((time.perf_counter() - started) / (CALLS * len(AMOUNTS)) * 1e6)
    return statistics.median(runs)


def main() -> None:
    print(f"One amount formatted as money, median of {REPEATS} x {CALLS * len(AMOUNTS):,} calls")
    for locale in ("zh_CN", "en"):
        t = texts(locale)
        assert all(t.money(fen) == babel_money(locale, fen) for fen in AMOUNTS)
        babel = per_amount(partial(babel_money, locale))
        ours = per_amount(t.money)
        print(f"{locale:<6} babel.numbers.format_currency {babel:>7.1f} µs"
              f"   Texts.money {ours:>5.1f} µs   {babel / ours:>5.1f}x faster")  # fmt: skip


if __name__ == "__main__":
    main()
