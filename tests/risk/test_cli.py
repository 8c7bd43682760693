from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPLICATION = {
    "age": 35,
    "monthly_income_fen": 1_000_000,
    "employment": "employed",
    "employment_length": "over_7y",
    "bank_balance": "high",
    "credit_history": "all_repaid",
    "purpose": "electronics",
    "savings": "5k_10k",
    "housing": "own",
    "property": "real_estate",
    "other_instalments": "none",
    "existing_credits": 0,
    "dependents": 0,
}


def score(document: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "risk", "score", "--scorecard", "risk/scorecard.json"],
        input=json.dumps(document),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def test_score_prints_the_decision() -> None:
    result = score({"application": APPLICATION, "context": {"as_of": "2026-11-23"}})
    assert result.returncode == 0, result.stderr
    decision = json.loads(result.stdout)
    assert decision["outcome"] == "approved"
    assert decision["valid_until"] == "2026-12-23"
    assert {"score", "probability_of_default", "grade", "limit_fen", "daily_rate", "apr"} <= set(
        decision
    )


@pytest.mark.parametrize(
    "key",
    ["personal_status_and_sex", "sex", "gender", "marital_status", "foreign_worker", "nationality"],
)
def test_protected_attributes_are_rejected(key: str) -> None:
    result = score({"application": {**APPLICATION, key: "anything"}})
    assert result.returncode == 2
    assert key in result.stderr and "protected" in result.stderr
    assert result.stdout == ""


def test_protected_attribute_hidden_in_the_context_is_rejected_too() -> None:
    result = score({"application": APPLICATION, "context": {"Gender": "f"}})
    assert result.returncode == 2


def test_unknown_answers_are_rejected() -> None:
    result = score({"application": {**APPLICATION, "bank_balance": "millionaire"}})
    assert result.returncode == 2 and "bank_balance" in result.stderr


@pytest.mark.parametrize("bad", [-1, 4.5, "4500", True])
def test_repayments_elsewhere_must_be_whole_non_negative_fen(bad: object) -> None:
    result = score({"application": {**APPLICATION, "outside_monthly_repayments_fen": bad}})
    assert result.returncode == 2 and "outside_monthly_repayments_fen" in result.stderr
    assert result.stdout == ""
