from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

import risk
from risk.dataset import DEFAULT_DATA, load_rows
from risk.decide import assess_with
from risk.features import EXCLUDED_COLUMNS, PROTECTED_COLUMNS, PROTECTED_INPUT_KEYS
from risk.metrics import auc
from risk.scorecard import ScorecardError, load_scorecard, scorecard_from_document
from tests.risk.factory import context, solid


def document() -> dict:
    return json.loads(resources.files("risk").joinpath("scorecard.json").read_text("utf-8"))


def test_committed_scorecard_learned_from_every_row() -> None:
    rows, _ = load_rows()
    doc = document()
    assert doc["holdout_rows"] == []
    for feature in doc["features"]:
        assert sum(b["count"] for b in feature["bins"]) == len(rows), feature["name"]


def test_the_training_recipe_discriminates_on_rows_it_never_saw(tmp_path: Path) -> None:
    pytest.importorskip("sklearn", reason="training needs the train extra (scikit-learn)")
    from risk.train import train

    out = tmp_path / "card.json"
    train(DEFAULT_DATA, out, holdout_share=0.2)
    card = load_scorecard(out)
    rows, bad = load_rows()
    held = card.holdout_rows
    assert len(held) == 200
    scores = [card.score(rows[i]) for i in held]
    assert auc(scores, [bad[i] for i in held]) >= 0.75


def test_retraining_reproduces_the_committed_card_byte_for_byte(tmp_path: Path) -> None:
    pytest.importorskip("sklearn", reason="training needs the train extra (scikit-learn)")
    from risk.train import train

    out = tmp_path / "card.json"
    train(DEFAULT_DATA, out)
    committed = resources.files("risk").joinpath("scorecard.json").read_bytes()
    assert out.read_bytes() == committed


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


def test_a_decision_records_the_version_of_the_card_that_made_it() -> None:
    # what an auditor reads back: which card decided, not merely which card is installed now
    doc = document()
    doc["version"] = "gc-next"
    decision = assess_with(scorecard_from_document(doc), solid(), context())
    assert decision.scorecard_version == "gc-next"
    assert risk.assess(solid(), context()).scorecard_version == document()["version"]
