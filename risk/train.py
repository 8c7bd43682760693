"""Fitting the scorecard: bins, weights of evidence, a logistic model, a points table.

A development step (`python -m risk train`); it needs scikit-learn and numpy (the `train`
extra), imported inside the functions so that importing `risk` never does.

Points scale: 600 points at odds of 50 good to 1 bad, and 20 more points double the odds (PDO).
With these anchors the German sample (30 % bad) centres near 530 and a 5 % default risk sits
near 570, so scores read like the familiar consumer-credit scales.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from risk.binning import (
    Bin,
    assign,
    bin_categorical,
    bin_numeric,
    bin_ordered,
    information_value,
    woe,
)
from risk.features import CATEGORICAL, EXCLUDED_COLUMNS, NUMERIC, ORDERED, POOLED

BASE_SCORE = 600
BASE_ODDS = 50.0
PDO = 20.0
MIN_INFORMATION_VALUE = 0.02  # below this a feature is noise (the usual scorecard rule of thumb)
REGULARISATION_C = 1.0
HOLDOUT_SHARE = 0.0  # the committed card learns from every row; tests may hold some out

Row = dict[str, str | float]


@dataclass
class FittedFeature:
    name: str
    kind: str  # "categorical" or "numeric"
    direction: str | None
    bins: list[Bin]
    woes: list[float]
    iv: float
    coefficient: float = 0.0
    pooled: dict[str, tuple[list[str], float]] = field(default_factory=dict)


@dataclass
class FittedModel:
    features: list[FittedFeature]
    intercept: float


def _bin_feature(name: str, rows: Sequence[Row], bad: Sequence[int]) -> FittedFeature:
    total_bad = sum(bad)
    total_good = len(bad) - total_bad
    if name in ORDERED:
        bins = bin_ordered([str(r[name]) for r in rows], bad, ORDERED[name])
        kind, direction = "categorical", "decreasing"
    elif name in CATEGORICAL:
        bins = bin_categorical([str(r[name]) for r in rows], bad)
        kind, direction = "categorical", None
    else:
        direction = NUMERIC[name][1]
        bins = bin_numeric([float(r[name]) for r in rows], bad, direction)
        kind = "numeric"
    woes = [woe(b, total_good, total_bad) for b in bins]
    fitted = FittedFeature(
        name, kind, direction, bins, woes, information_value(bins, total_good, total_bad)
    )
    for alias, members in POOLED.get(name, {}).items():
        union = Bin(0, 0, list(members))
        for row, y in zip(rows, bad, strict=True):
            if row[name] in members:
                union.count += 1
                union.bad += y
        fitted.pooled[alias] = (list(members), woe(union, total_good, total_bad))
    return fitted


def _woe_matrix(features: Sequence[FittedFeature], rows: Sequence[Row]) -> list[list[float]]:
    return [[f.woes[assign(f.bins, row[f.name])] for f in features] for row in rows]


def fit(rows: Sequence[Row], bad: Sequence[int], *, seed: int = 0) -> FittedModel:
    from sklearn.linear_model import LogisticRegression

    candidates = [_bin_feature(name, rows, bad) for name in (*CATEGORICAL, *NUMERIC)]
    chosen = [f for f in candidates if f.iv >= MIN_INFORMATION_VALUE]
    while True:
        model = LogisticRegression(C=REGULARISATION_C, max_iter=1000, random_state=seed)
        model.fit(_woe_matrix(chosen, rows), list(bad))
        coefficients = [float(c) for c in model.coef_[0]]
        # WoE grows with the share of goods, so every coefficient on P(bad) must be negative;
        # a positive one is collinearity, and keeping it would turn a feature's points upside
        # down (a longer term earning more points). Drop the worst offender and refit.
        wrong = [i for i, c in enumerate(coefficients) if c >= 0]
        if not wrong:
            break
        del chosen[max(wrong, key=lambda i: coefficients[i])]
    for f, c in zip(chosen, coefficients, strict=True):
        f.coefficient = c
    return FittedModel(chosen, float(model.intercept_[0]))


def _bin_document(f: FittedFeature, b: Bin, woe_value: float, factor: float) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    if f.kind == "categorical":
        doc["categories"] = sorted(b.categories)
    else:
        doc["lower"] = b.lower
        doc["upper"] = b.upper
    doc |= {
        "count": b.count,
        "bad_rate": round(b.bad_rate, 4),
        "woe": round(woe_value, 6),
        "points": round(-factor * f.coefficient * woe_value),
    }
    return doc


def to_document(model: FittedModel, *, data_name: str, holdout: Sequence[int]) -> dict[str, Any]:
    factor = PDO / math.log(2)
    offset = BASE_SCORE - factor * math.log(BASE_ODDS)
    doc: dict[str, Any] = {
        "format": 1,
        "data": data_name,
        "scale": {
            "base_score": BASE_SCORE,
            "base_odds": BASE_ODDS,
            "pdo": PDO,
            "factor": round(factor, 9),
            "offset": round(offset, 9),
        },
        "base_points": round(offset - factor * model.intercept),
        "excluded_columns": sorted(EXCLUDED_COLUMNS),
        "holdout_rows": list(holdout),
        "features": [
            {
                "name": f.name,
                "kind": f.kind,
                "monotone": f.direction,
                "order": list(ORDERED[f.name]) if f.name in ORDERED else None,
                "iv": round(f.iv, 4),
                "coefficient": round(f.coefficient, 6),
                "bins": [
                    _bin_document(f, b, w, factor) for b, w in zip(f.bins, f.woes, strict=True)
                ],
                "pooled": [
                    {
                        "category": alias,
                        "stands_for": members,
                        "woe": round(w, 6),
                        "points": round(-factor * f.coefficient * w),
                    }
                    for alias, (members, w) in f.pooled.items()
                ],
            }
            for f in model.features
        ],
    }
    content = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    doc["version"] = "gc-" + hashlib.sha256(content).hexdigest()[:16]
    return doc


def stratified_holdout(bad: Sequence[int], share: float, seed: int) -> list[int]:
    """Row indices kept out of training, the same share of goods and bads."""
    rng = random.Random(seed)
    held: list[int] = []
    for label in (0, 1):
        indices = [i for i, y in enumerate(bad) if y == label]
        rng.shuffle(indices)
        held.extend(indices[: round(share * len(indices))])
    return sorted(held)


def train(data: Path, out: Path, *, seed: int = 0, holdout_share: float = HOLDOUT_SHARE) -> str:
    from risk.dataset import load_rows

    rows, bad = load_rows(data)
    holdout = stratified_holdout(bad, holdout_share, seed) if holdout_share > 0 else []
    held = set(holdout)
    train_rows = [r for i, r in enumerate(rows) if i not in held]
    train_bad = [y for i, y in enumerate(bad) if i not in held]
    model = fit(train_rows, train_bad, seed=seed)
    doc = to_document(model, data_name=data.name, holdout=holdout)
    out.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return str(doc["version"])
