"""A step works on a copy of the session: nothing it changes reaches the cached original."""

from __future__ import annotations

from dataclasses import fields

from flows.session import Session, UserStatus
from flows.states import State


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


def test_a_copy_carries_every_field_of_the_session() -> None:
    # Every field set away from its default: a field the copy forgot would come back reset,
    # and the next step would save the person at another state, screen or version.
    original = Session(
        "telegram",
        7,
        8,
        "zh_CN",
        "Europe/Berlin",
        user_id=9,
        status=UserStatus.FROZEN,
        state=State.HOME,
        answers={"name": "Li Wei"},
        screen=12,
        version=4,
    )
    copied = original.copy()
    assert copied is not original
    for field in fields(Session):
        assert getattr(copied, field.name) == getattr(original, field.name), field.name
