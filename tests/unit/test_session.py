"""A step works on a copy of the session: nothing it changes reaches the cached original."""

from __future__ import annotations

from flows.session import Session


def test_a_copy_shares_no_dict_or_list_with_the_original() -> None:
    answers = {
        "pace": {"screen": 3, "seen": 1},
        "decision": {"outcome": "approved", "reasons": ["a"]},
        "draft": {"amount_fen": 100_000},
        "pair": ("x", {"y": 1}),
        "name": "Li Wei",
    }
    original = Session("telegram", 1, 1, "en", "Asia/Shanghai", answers=answers)
    copy = original.copy()
    assert copy.answers == {**answers, "pair": ["x", {"y": 1}]}  # as a JSON round trip gives
    copy.answers["pace"]["seen"] = 2
    copy.answers["decision"]["reasons"].append("b")
    copy.answers["pair"][1]["y"] = 2
    copy.answers.pop("draft")
    assert original.answers["pace"] == {"screen": 3, "seen": 1}
    assert original.answers["decision"]["reasons"] == ["a"]
    assert original.answers["pair"] == ("x", {"y": 1})
    assert original.answers["draft"] == {"amount_fen": 100_000}
