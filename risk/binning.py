"""Grouping each feature's values into bins and weighing them (weight of evidence).

Training only, pure Python: a bin is a set of categories or a half-open interval [lower, upper).
Numeric features with a declared direction are binned monotonically, so a longer term or a
larger amount can never earn more points than a shorter or smaller one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

MIN_BIN_SHARE = 0.05  # a bin must hold 5 % of the sample, or its bad rate is noise
MAX_NUMERIC_BINS = 6
INITIAL_QUANTILES = 30


@dataclass
class Bin:
    count: int
    bad: int
    categories: list[str] = field(default_factory=list)
    lower: float | None = None  # inclusive; None = no lower bound
    upper: float | None = None  # exclusive; None = no upper bound

    @property
    def bad_rate(self) -> float:
        return self.bad / self.count if self.count else 0.0


def woe(bin_: Bin, total_good: int, total_bad: int) -> float:
    """ln(share of goods / share of bads); +0.5 keeps an all-good bin finite."""
    good = bin_.count - bin_.bad
    return math.log(((good + 0.5) / (total_good + 0.5)) / ((bin_.bad + 0.5) / (total_bad + 0.5)))


def information_value(bins: Sequence[Bin], total_good: int, total_bad: int) -> float:
    total = 0.0
    for b in bins:
        good_share = (b.count - b.bad + 0.5) / (total_good + 0.5)
        bad_share = (b.bad + 0.5) / (total_bad + 0.5)
        total += (good_share - bad_share) * woe(b, total_good, total_bad)
    return total


def _merge(a: Bin, b: Bin) -> Bin:
    return Bin(
        count=a.count + b.count,
        bad=a.bad + b.bad,
        categories=a.categories + b.categories,
        lower=a.lower,
        upper=b.upper,
    )


def bin_categorical(values: Sequence[str], bad: Sequence[int]) -> list[Bin]:
    """One bin per category, small categories folded into the one of nearest bad rate."""
    by_category: dict[str, Bin] = {}
    for value, y in zip(values, bad, strict=True):
        b = by_category.setdefault(value, Bin(0, 0, [value]))
        b.count += 1
        b.bad += y
    bins = sorted(by_category.values(), key=lambda b: (b.bad_rate, b.categories))
    min_count = MIN_BIN_SHARE * len(values)
    while len(bins) > 2:
        small = min(range(len(bins)), key=lambda i: bins[i].count)
        if bins[small].count >= min_count:
            break
        neighbours = [i for i in (small - 1, small + 1) if 0 <= i < len(bins)]
        other = min(neighbours, key=lambda i: abs(bins[i].bad_rate - bins[small].bad_rate))
        left, right = sorted((small, other))
        bins[left : right + 1] = [_merge(bins[left], bins[right])]
    return bins


def bin_ordered(values: Sequence[str], bad: Sequence[int], order: Sequence[str]) -> list[Bin]:
    """Categories along their natural order, merged until risk falls along it."""
    bins = [Bin(0, 0, [category]) for category in order]
    for value, y in zip(values, bad, strict=True):
        b = bins[order.index(value)]
        b.count += 1
        b.bad += y
    return _merge_small_and_violating([b for b in bins if b.count], len(values), "decreasing")


def _initial_numeric_bins(values: Sequence[float], bad: Sequence[int]) -> list[Bin]:
    pairs = sorted(zip(values, bad, strict=True))
    n = len(pairs)
    distinct = sorted({v for v, _ in pairs})
    cuts: list[float] = []
    for q in range(1, INITIAL_QUANTILES):
        v = pairs[q * n // INITIAL_QUANTILES][0]
        if v != distinct[0] and (not cuts or v > cuts[-1]):
            cuts.append(v)
    bounds: list[float | None] = [None, *cuts, None]
    bins = [Bin(0, 0, lower=bounds[i], upper=bounds[i + 1]) for i in range(len(bounds) - 1)]
    index = 0
    for v, y in pairs:
        while bins[index].upper is not None and v >= bins[index].upper:  # type: ignore[operator]
            index += 1
        bins[index].count += 1
        bins[index].bad += y
    # every cut is a value present in the data, so no bin is empty
    return bins


def _violates(bins: list[Bin], direction: str) -> int | None:
    """Index i such that bins i and i+1 break the declared trend of the bad rate."""
    for i in range(len(bins) - 1):
        a, b = bins[i].bad_rate, bins[i + 1].bad_rate
        if (direction == "increasing" and b < a) or (direction == "decreasing" and b > a):
            return i
    return None


def bin_numeric(values: Sequence[float], bad: Sequence[int], direction: str | None) -> list[Bin]:
    bins = _merge_small_and_violating(_initial_numeric_bins(values, bad), len(values), direction)
    while len(bins) > MAX_NUMERIC_BINS:
        i = min(range(len(bins) - 1), key=lambda k: abs(bins[k].bad_rate - bins[k + 1].bad_rate))
        bins[i : i + 2] = [_merge(bins[i], bins[i + 1])]
    return bins


def _merge_small_and_violating(bins: list[Bin], total: int, direction: str | None) -> list[Bin]:
    min_count = MIN_BIN_SHARE * total
    while len(bins) > 1:
        small = min(range(len(bins)), key=lambda i: bins[i].count)
        if bins[small].count >= min_count:
            break
        if small == 0:
            other = 1
        elif small == len(bins) - 1:
            other = small - 1
        else:
            other = min(
                (small - 1, small + 1), key=lambda i: abs(bins[i].bad_rate - bins[small].bad_rate)
            )
        left = min(small, other)
        bins[left : left + 2] = [_merge(bins[left], bins[left + 1])]
    if direction is not None:
        while (i := _violates(bins, direction)) is not None:
            bins[i : i + 2] = [_merge(bins[i], bins[i + 1])]
    return bins


def assign(bins: Sequence[Bin], value: str | float) -> int:
    """The index of the bin holding `value` (training side; run time has its own tables)."""
    if isinstance(value, str):
        for i, b in enumerate(bins):
            if value in b.categories:
                return i
        raise KeyError(value)
    for i, b in enumerate(bins):
        if b.upper is None or value < b.upper:
            return i
    return len(bins) - 1
