"""The committed scorecard, loaded once into lookup tables.

At run time a feature's points are a dict lookup (categories) or a bisection over at most a
handful of bounds (numbers); nothing is parsed or computed per application.
"""

from __future__ import annotations

import json
import math
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from risk.features import EXCLUDED_COLUMNS, PROTECTED_INPUT_KEYS


class ScorecardError(ValueError):
    """The scorecard file is malformed or would use an attribute it must not use."""


@dataclass(frozen=True, slots=True)
class FeatureTable:
    name: str
    kind: str  # "categorical" or "numeric"
    monotone: str | None  # for numeric features: "increasing" / "decreasing" risk, or None
    categories: Mapping[str, int]  # categorical: category -> points
    uppers: tuple[float, ...]  # numeric: bin i holds values below uppers[i]; the last is open
    bin_points: tuple[int, ...]  # numeric: points of each bin
    best: int  # the most points any answer can earn here

    def points_for(self, value: str | float) -> int:
        if self.kind == "categorical":
            return self.categories[str(value)]
        return self.bin_points[bisect_right(self.uppers, float(value))]


@dataclass(frozen=True, slots=True)
class Scorecard:
    version: str
    base_points: int
    factor: float
    offset: float
    features: tuple[FeatureTable, ...]
    holdout_rows: tuple[int, ...]

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.features)

    def points(self, values: Mapping[str, str | float]) -> tuple[int, ...]:
        return tuple(f.points_for(values[f.name]) for f in self.features)

    def score(self, values: Mapping[str, str | float]) -> int:
        return self.base_points + sum(self.points(values))

    def probability_of_default(self, score: int) -> float:
        return 1.0 / (1.0 + math.exp((score - self.offset) / self.factor))

    @property
    def score_range(self) -> tuple[int, int]:
        low = sum(
            min(f.categories.values()) if f.kind == "categorical" else min(f.bin_points)
            for f in self.features
        )
        return self.base_points + low, self.base_points + sum(f.best for f in self.features)


def _feature_table(doc: Mapping[str, Any]) -> FeatureTable:
    name = str(doc["name"])
    if name in EXCLUDED_COLUMNS or name in PROTECTED_INPUT_KEYS:
        raise ScorecardError(f"the scorecard must not use {name!r}")
    bins = doc["bins"]
    if doc["kind"] == "categorical":
        categories = {str(c): int(b["points"]) for b in bins for c in b["categories"]}
        categories |= {str(p["category"]): int(p["points"]) for p in doc.get("pooled", ())}
        return FeatureTable(name, "categorical", None, categories, (), (), max(categories.values()))
    if doc["kind"] != "numeric":
        raise ScorecardError(f"unknown feature kind {doc['kind']!r}")
    uppers = tuple(float(b["upper"]) for b in bins[:-1])
    if list(uppers) != sorted(uppers) or bins[-1]["upper"] is not None:
        raise ScorecardError(f"bins of {name!r} are not ordered")
    points = tuple(int(b["points"]) for b in bins)
    return FeatureTable(name, "numeric", doc.get("monotone"), {}, uppers, points, max(points))


def scorecard_from_document(doc: Mapping[str, Any]) -> Scorecard:
    return Scorecard(
        version=str(doc["version"]),
        base_points=int(doc["base_points"]),
        factor=float(doc["scale"]["factor"]),
        offset=float(doc["scale"]["offset"]),
        features=tuple(_feature_table(f) for f in doc["features"]),
        holdout_rows=tuple(int(i) for i in doc.get("holdout_rows", ())),
    )


def load_scorecard(path: Path | None = None) -> Scorecard:
    if path is None:
        text = resources.files("risk").joinpath("scorecard.json").read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    return scorecard_from_document(json.loads(text))
