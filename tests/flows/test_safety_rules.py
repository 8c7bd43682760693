"""Safety rules of the core, each pinned by a test that fails when the rule is removed.

Each test names the rule it pins; each was checked by deleting or flipping that rule and
watching the test fail (see the report of the core-rules branch).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from flows.config import FlowConfig
from flows.context import IllegalTransition, StepContext
from flows.engine import SOMETHING_WENT_WRONG
from flows.events import ButtonPress, Command, Event, Outgoing, Reply
from flows.session import Session
from flows.states import ALLOWED, TRANSITIONS, State
from flows.step_table import STEPS
from flows.steps.onboarding import Intro
from storage.store import TxStore
from tests.flows.harness import Harness, Person, onboard, resident_id
from tests.storage.conftest import postgres_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def any_bot(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Harness]:
    """SQLite always; PostgreSQL as well when TEST_POSTGRES_URL reaches one."""
    if request.param == "sqlite":
        harness = Harness(tmp_path / "bot.db")
        yield harness
        await harness.close()
        return
    urls = postgres_url()
    harness = Harness(tmp_path / "unused.db", url=next(urls))
    try:
        yield harness
    finally:
        await harness.close()
        next(urls, None)


async def consents_recorded(bot: Harness) -> list[tuple[str, bool]]:
    rows = await bot.db.run(lambda tx: tx.all("SELECT purpose, granted FROM consents ORDER BY id"))
    return [(row.purpose, bool(row.granted)) for row in rows]


async def state_of(bot: Harness, user_id: int) -> State:
    session = await bot.store.load_session("telegram", user_id)
    assert session is not None
    return session.state


# --- The router's screen check ------------------------------------------------------------


async def test_a_stale_agree_from_the_first_consent_screen_records_nothing(bot: Harness) -> None:
    """Rule: a button of an earlier screen is expired (flows/router.py compares the screen).
    Without it, the old "Agree" of consent 1 would grant consent 2, the sensitive-data one,
    which the person has not even read yet."""
    person = bot.person()
    await person.command("start", await bot.invite())
    await person.press("Continue")
    first_agree = person.button("Agree")  # consent 1 of 4: assessment
    await person.press("Agree")
    assert "Consent 2 of 4" in person.last_text()
    assert await consents_recorded(bot) == [("assessment", True)]

    replies = await person.send(ButtonPress(first_agree))

    assert [(r.text, r.toast) for r in replies] == [("This button has expired.", True)]
    assert await consents_recorded(bot) == [("assessment", True)]  # no sensitive-data row
    assert await state_of(bot, person.user_id) is State.CONSENT_SENSITIVE


# --- Masking on every screen that shows the ID number or the phone ---------------------------

NUMBER = resident_id(date(1990, 3, 7))
PHONE_DIGITS = "13800138000"


async def test_the_review_screen_shows_the_id_number_and_phone_masked(bot: Harness) -> None:
    """Rule: the borrower's own review screen shows region prefix and last four digits only."""
    person = bot.person()
    await onboard(person, await bot.invite())
    review = next(
        item.reply.text
        for item in person.seen
        if item.reply.text.startswith("Please check your answers:")
    )
    assert f"Resident ID number: {NUMBER[:4]}{'*' * 10}{NUMBER[-4:]}" in review
    assert "Phone: +86 138****8000" in review
    assert NUMBER not in review and PHONE_DIGITS not in review


async def test_no_chat_message_ever_shows_the_full_id_number_or_phone(bot: Harness) -> None:
    """Rule: whatever a borrower does (onboarding, borrowing, /privacy, the data download's
    message), the chat text holds neither number in full; only the JSON document does."""
    person = bot.person()
    await onboard(person, await bot.invite())
    await person.press("Borrow")
    await person.say("5000")
    await person.press("6 months")
    await person.press("Confirm")
    await person.command("privacy")
    await person.press("Download my data")
    await person.command("help")
    texts = [item.reply.text for item in person.seen]
    assert any("1101**********" in text for text in texts)
    for text in texts:
        assert NUMBER not in text and PHONE_DIGITS not in text
        assert "138 0013 8000" not in text
    documents = [item.reply.document for item in person.seen if item.reply.document]
    assert len(documents) == 1 and NUMBER.encode() in documents[0].content  # in full, by design


# --- An invite's quota under a race ----------------------------------------------------------


async def test_twenty_simultaneous_redemptions_of_a_one_use_invite_admit_exactly_one(
    any_bot: Harness,
) -> None:
    """Rule: an invite admits at most its quota. On SQLite the step's check decides (units of
    work are serialised); on PostgreSQL twenty transactions read the invite as usable at once
    and the conditional UPDATE decides, its refusal sending the losers round again."""
    bot = any_bot
    code = await bot.invite(uses=1)
    people = [bot.person(700 + n) for n in range(20)]
    answers = await asyncio.gather(*(p.command("start", code) for p in people))
    welcomed = [a for a in answers if any("Welcome!" in r.text for r in a)]
    refused = [a for a in answers if any("used up" in r.text for r in a)]
    assert len(welcomed) == 1 and len(refused) == 19
    admitted = await bot.db.run(lambda tx: tx.scalar("SELECT COUNT(*) FROM users"))
    uses_left = await bot.db.run(lambda tx: tx.scalar("SELECT uses_left FROM invites"))
    assert (admitted, uses_left) == (1, 0)


async def test_an_invite_used_up_between_read_and_commit_is_refused_not_ignored(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rule: the commit's `ChangeRefused` for a used-up invite is honoured. The second person's
    step reads the invite as it was before the first person's commit (what a race on
    PostgreSQL produces); the commit refuses, the engine reads again and says it is used up."""
    code = await bot.invite(uses=1)
    snapshot = await bot.store.find_invite(code)
    assert snapshot is not None and snapshot.uses_left == 1
    assert "Welcome!" in (await bot.person(1).command("start", code))[0].text

    real_find_invite = TxStore.find_invite
    stale_reads = [snapshot]

    async def find_invite_racing(self: TxStore, wanted: str) -> object:
        if stale_reads:  # the first read of the second person happened before the commit
            return stale_reads.pop()
        return await real_find_invite(self, wanted)

    monkeypatch.setattr(TxStore, "find_invite", find_invite_racing)
    second = await bot.person(2).command("start", code)

    assert not stale_reads, "the racing read was not used"
    assert len(second) == 1 and "used up" in second[0].text
    assert await bot.store.load_session("telegram", 2) is None  # not admitted, nothing kept
    admitted = await bot.db.run(lambda tx: tx.scalar("SELECT COUNT(*) FROM users"))
    uses_left = await bot.db.run(lambda tx: tx.scalar("SELECT uses_left FROM invites"))
    assert (admitted, uses_left) == (1, 0)


# --- The transition check --------------------------------------------------------------------


def _context(state: State) -> StepContext:
    session = Session("telegram", 1, 1, "en", "Asia/Shanghai", state=state)
    event = Event(
        platform="telegram",
        user_id=1,
        chat_id=1,
        update_id=None,
        at=datetime(2026, 11, 23, tzinfo=UTC),
        language_code="en",
        payload=Command("x"),
    )
    return StepContext(event, session, None, FlowConfig(), event.at, STEPS)  # type: ignore[arg-type]


def test_every_listed_edge_is_allowed_and_every_other_move_is_refused() -> None:
    """Rule: ctx.move refuses any edge TRANSITIONS does not list. Walks every listed edge, and
    every pair of states that is not one (NEW straight to HOME, HOME back to KYC_ID...)."""
    for transition in TRANSITIONS:
        ctx = _context(transition.source)
        ctx.move(transition.target)
        assert ctx.session.state is transition.target
    forbidden = [pair for pair in itertools.product(State, State) if pair not in ALLOWED]
    assert {(State.NEW, State.HOME), (State.CONSENT_ASSESSMENT, State.KYC_NAME)} <= set(forbidden)
    for source, target in forbidden:
        ctx = _context(source)
        with pytest.raises(IllegalTransition, match=f"^{source} -> {target}$"):  # for the log
            ctx.move(target)
        assert ctx.session.state is source


async def test_a_step_that_skips_the_consents_is_refused_and_commits_nothing(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rule: the engine turns an illegal move into "nothing changed". A (buggy) Continue that
    jumps from the introduction straight to the name question, skipping every consent."""

    async def skip_consents(self: Intro, ctx: StepContext, choice: str) -> None:
        await ctx.go(State.KYC_NAME)

    person = bot.person()
    await person.command("start", await bot.invite())
    monkeypatch.setattr(Intro, "on_button", skip_consents)
    replies = await person.press("Continue")
    assert [r.text for r in replies] == [SOMETHING_WENT_WRONG]
    assert await state_of(bot, person.user_id) is State.INTRO
    assert await consents_recorded(bot) == []


class _StopsBeforeSubmit(Person):
    async def press(self, label_part: str) -> list[Reply]:
        return [] if label_part == "Submit" else await super().press(label_part)


async def test_back_retraces_every_question_the_person_was_asked_in_reverse(bot: Harness) -> None:
    """Rule: /back is an edge wherever a question follows another. The questions are observed
    as the person answers them, then /back must walk them back one by one to the introduction
    (a missing back edge answers "Sorry, something went wrong" and stays put)."""
    person = _StopsBeforeSubmit(bot, 501)
    asked: list[State] = []
    deliver = bot.deliver

    async def deliver_and_note(event: Event) -> list[Outgoing]:
        out = await deliver(event)
        state = await state_of(bot, person.user_id)
        if not asked or asked[-1] is not state:
            asked.append(state)
        return out

    bot.deliver = deliver_and_note  # type: ignore[method-assign]
    await onboard(person, await bot.invite())
    assert asked[0] is State.INTRO and asked[-1] is State.REVIEW_ANSWERS and len(asked) == 24
    forward = list(asked)
    asked.clear()
    for _ in range(len(forward) + 2):  # bounded: a broken /back must not loop forever
        if "There is no previous answer" in (await person.command("back"))[-1].text:
            break
    assert [State.REVIEW_ANSWERS, *asked] == forward[::-1]


async def test_back_retraces_the_borrow_and_repay_questions(bot: Harness) -> None:
    """Rule: the same for borrowing and repaying: each /back shows the question before."""
    person = bot.person()
    await onboard(person, await bot.invite())
    await person.press("Borrow")
    await person.say("5000")
    await person.press("6 months")
    seen = [await state_of(bot, person.user_id)]
    for _ in range(3):
        await person.command("back")
        seen.append(await state_of(bot, person.user_id))
    assert seen == [
        State.BORROW_DISCLOSURE,
        State.BORROW_TERM,
        State.BORROW_AMOUNT,
        State.BORROW_AMOUNT,  # nothing before the amount
    ]
    await person.say("5000")
    await person.press("6 months")
    await person.press("Confirm")
    await person.command("repay")
    await person.say("3000")  # more than is due: how should the rest run?
    await person.press("Lower instalment")
    seen = [await state_of(bot, person.user_id)]
    for _ in range(2):
        await person.command("back")
        seen.append(await state_of(bot, person.user_id))
    assert seen == [State.REPAY_CONFIRM, State.REPAY_PREPAY_CHOICE, State.REPAY_AMOUNT]


async def test_a_new_screen_never_reuses_the_number_of_an_earlier_one(bot: Harness) -> None:
    """Stale buttons stay stale: screen numbers only grow, through questions, the language
    menu and /privacy, so no earlier button can come back to life."""
    person = bot.person()
    await onboard(person, await bot.invite())
    await person.command("language")
    await person.press("English")
    await person.command("privacy")
    await person.command("start")
    await person.press("Borrow")
    await person.say("5000")
    numbers = [
        int(item.reply.buttons[0][0].token.partition(":")[0])
        for item in person.seen
        if item.reply.buttons
    ]
    assert len(numbers) > 25
    assert all(later >= earlier for earlier, later in itertools.pairwise(numbers)), numbers
