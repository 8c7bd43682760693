from __future__ import annotations

import json
from importlib import resources

import pytest

import risk
from risk.dataset import load_rows
from risk.features import EXCLUDED_COLUMNS, PROTECTED_COLUMNS, PROTECTED_INPUT_KEYS
from risk.metrics import auc
from risk.scorecard import ScorecardError, scorecard_from_document


def document() -> dict:
    return json.loads(resources.files("risk").joinpath("scorecard.json").read_text("utf-8"))


def test_committed_scorecard_discriminates_on_rows_it_never_saw() -> None:
    rows, bad = load_rows()
    card = risk.SCORECARD
    held = card.holdout_rows
    assert len(held) >= 150, "the scorecard must record a real holdout"
    scores = [card.score(rows[i]) for i in held]
    assert auc(scores, [bad[i] for i in held]) >= 0.77


def test_pure_python_auc_matches_a_hand_count() -> None:
    # goods at 3 and 2, bads at 2 and 1: pairs (3>2)(3>1)(2=2 half)(2>1) -> 3.5 / 4
    assert auc([3, 2, 2, 1], [0, 0, 1, 1]) == pytest.approx(0.875)


def test_declared_monotone_features_never_reward_more_risk() -> None:
    checked = 0
    for feature in document()["features"]:
        points = [b["points"] for b in feature["bins"]]
        if feature["kind"] == "numeric" and feature["monotone"] == "increasing":
            assert points == sorted(points, reverse=True), feature["name"]
        elif feature["kind"] == "numeric" and feature["monotone"] == "decreasing":
            assert points == sorted(points), feature["name"]
        elif feature.get("order"):
            by_category = {c: b["points"] for b in feature["bins"] for c in b["categories"]}
            ordered = [by_category[c] for c in feature["order"]]
            assert ordered == sorted(ordered), feature["name"]
        else:
            continue
        checked += 1
    assert checked >= 5  # term, amount, burden, age, savings, employment length


def test_longer_terms_never_score_higher() -> None:
    from tests.risk.factory import context, solid

    scores = [
        risk.assess(solid(requested_term_months=m), context()).score for m in (3, 6, 12, 24, 48)
    ]
    assert scores == sorted(scores, reverse=True)


def test_scorecard_has_no_protected_feature() -> None:
    doc = document()
    names = {f["name"] for f in doc["features"]}
    assert not names & (EXCLUDED_COLUMNS | PROTECTED_INPUT_KEYS)
    assert set(doc["excluded_columns"]) >= PROTECTED_COLUMNS
    text = json.dumps(doc["features"])
    for word in ("sex", "gender", "marital", "foreign", "nationality"):
        assert word not in text


@pytest.mark.parametrize("name", ["personal_status_and_sex", "foreign_worker", "gender"])
def test_loader_refuses_a_scorecard_using_a_protected_attribute(name: str) -> None:
    doc = document()
    doc["features"].append(
        {"name": name, "kind": "categorical", "bins": [{"categories": ["x"], "points": 5}]}
    )
    with pytest.raises(ScorecardError):
        scorecard_from_document(doc)


def test_version_is_recorded() -> None:
    assert document()["version"] == risk.SCORECARD_VERSION
    assert risk.SCORECARD_VERSION.startswith("gc-")
