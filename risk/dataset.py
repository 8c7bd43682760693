"""Reading the German credit CSV with the standard library (tests use it without numpy)."""

from __future__ import annotations

import csv
from pathlib import Path

from risk.features import BAD_LABEL, TARGET_COLUMN, german_row_to_features

DEFAULT_DATA = Path(__file__).with_name("data") / "german_credit.csv"


def load_rows(path: Path = DEFAULT_DATA) -> tuple[list[dict[str, str | float]], list[int]]:
    """Feature values and the target (1 = bad) of every application in the file."""
    features: list[dict[str, str | float]] = []
    bad: list[int] = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            features.append(german_row_to_features(row))
            bad.append(1 if row[TARGET_COLUMN] == BAD_LABEL else 0)
    return features, bad
