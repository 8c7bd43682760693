"""Discrimination measures in pure Python, so tests can check the scorecard without numpy."""

from __future__ import annotations

from collections.abc import Sequence


def auc(scores: Sequence[float], bad: Sequence[int]) -> float:
    """Probability that a random good scores above a random bad (ties count half).

    Higher scores mean safer borrowers, as on the scorecard.
    """
    pairs = sorted(zip(scores, bad, strict=True))
    goods_below = 0.0
    total_bad = sum(bad)
    total_good = len(bad) - total_bad
    if not total_bad or not total_good:
        raise ValueError("AUC needs both goods and bads")
    concordant = 0.0
    i = 0
    while i < len(pairs):
        j = i
        goods = bads = 0
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            goods += 1 - pairs[j][1]
            bads += pairs[j][1]
            j += 1
        # every bad in this tie group sits below the goods of higher groups
        concordant += bads * (total_good - goods_below - goods) + 0.5 * bads * goods
        goods_below += goods
        i = j
    return concordant / (total_good * total_bad)


def ks(scores: Sequence[float], bad: Sequence[int]) -> float:
    """Largest gap between the cumulative shares of bads and goods along the score."""
    total_bad = sum(bad)
    total_good = len(bad) - total_bad
    cum_bad = cum_good = 0
    best = 0.0
    pairs = sorted(zip(scores, bad, strict=True))
    for k, (score, y) in enumerate(pairs):
        cum_bad += y
        cum_good += 1 - y
        if k + 1 < len(pairs) and pairs[k + 1][0] == score:
            continue
        best = max(best, abs(cum_bad / total_bad - cum_good / total_good))
    return best
