"""The state table is the truth: every state reachable, every state answered, README current."""

from __future__ import annotations

import re
from collections import deque
from pathlib import Path

from flows.states import BORROW_ORDER, REPAY_ORDER, TRANSITIONS, State, mermaid
from flows.step_table import STEPS

README = Path(__file__).resolve().parents[2] / "README.md"


def reachable_from(start: State) -> set[State]:
    seen, queue = {start}, deque([start])
    while queue:
        state = queue.popleft()
        for transition in TRANSITIONS:
            if transition.source is state and transition.target not in seen:
                seen.add(transition.target)
                queue.append(transition.target)
    return seen


def test_every_state_is_reachable_from_a_new_person() -> None:
    assert reachable_from(State.NEW) == set(State)


def test_every_state_has_a_step_that_answers_it() -> None:
    assert set(STEPS) == set(State)
    assert all(STEPS[state].state is state for state in State)


def test_the_home_menu_is_reachable_from_every_customer_state() -> None:
    for state in (*BORROW_ORDER, *REPAY_ORDER):
        assert State.HOME in reachable_from(state)


def test_the_readme_diagram_is_generated_from_the_table() -> None:
    match = re.search(r"```mermaid\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert match, "README.md has no mermaid state diagram"
    assert match.group(1) == mermaid(), (
        "README's diagram is stale: run `python -m flows.states` and paste it"
    )
