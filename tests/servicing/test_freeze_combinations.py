"""A line frozen by an operator and by close of business for arrears at once, or unfrozen while
a required consent is withdrawn: each freeze is lifted only by its own cause, and a borrower
hears that their line is open again only when they can in fact borrow."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from flows.config import FlowConfig
from storage.close_of_business import ServicingRules
from storage.sql import Tx
from tests.flows.harness import Harness, Person, withdraw_assessment_consent
from tests.operators.helpers import outbox_texts
from tests.servicing.conftest import borrower, local, next_day, queued, repay_due

ADMIN = 9001
RULES = ServicingRules(freeze_after_dpd=5)
CANNOT_BORROW = "You cannot borrow right now"
CAN_BORROW = "How much would you like to borrow?"


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = Harness(
        tmp_path / "bot.db",
        config=FlowConfig(freeze_after_dpd=5, admin_ids=frozenset({ADMIN})),
    )
    yield harness
    await harness.close()


async def late_until(bot: Harness, day: date) -> None:
    """Nights pass with the borrower's first instalment (due 23 Dec) unpaid."""
    while local(bot).date() < day:
        await next_day(bot, RULES)


async def borrow_button(person: Person) -> str:
    await person.command("menu")
    return (await person.press("Borrow"))[-1].text


async def test_unfreeze_by_an_operator_leaves_the_arrears_freeze_in_place(bot: Harness) -> None:
    person, admin = await borrower(bot), bot.person(ADMIN)
    await late_until(bot, date(2026, 12, 30))  # frozen for arrears
    await admin.command("freeze", "1 fraud check")

    said = await admin.command("unfreeze", "1")
    assert "the operator's freeze is lifted" in said[-1].text
    assert "stays frozen until the overdue amount is repaid" in said[-1].text
    told = (await outbox_texts(bot, 501))[-1]
    assert "stays frozen until you repay what is overdue" in told
    assert "open again" not in told
    home = (await person.command("menu"))[-1].text
    assert "Your credit line is frozen" in home and "Reason:" not in home
    assert CANNOT_BORROW in (await person.press("Borrow"))[-1].text

    receipt = await repay_due(person)  # the arrears were the only freeze left
    assert any("open again" in reply.text for reply in receipt)
    assert CAN_BORROW in await borrow_button(person)


async def test_unfreeze_of_a_line_frozen_only_for_arrears_lifts_nothing(bot: Harness) -> None:
    person, admin = await borrower(bot), bot.person(ADMIN)
    await late_until(bot, date(2026, 12, 30))
    before = await outbox_texts(bot, 501)

    said = await admin.command("unfreeze", "1")
    assert "frozen only for an overdue repayment" in said[-1].text
    assert "no operator's freeze to lift" in said[-1].text
    assert await outbox_texts(bot, 501) == before  # the borrower is told nothing
    home = (await person.command("menu"))[-1].text
    assert "Your credit line is frozen" in home
    assert CANNOT_BORROW in (await person.press("Borrow"))[-1].text


async def test_freeze_on_top_of_an_arrears_freeze_outlives_the_repayment(bot: Harness) -> None:
    person, admin = await borrower(bot), bot.person(ADMIN)
    await late_until(bot, date(2026, 12, 30))

    said = await admin.command("freeze", "1 suspected fraud")
    assert "id:1 is frozen. They were told why" in said[-1].text
    told = (await outbox_texts(bot, 501))[-1]
    assert "suspected fraud" in told
    assert "Repaying what is overdue no longer opens your line by itself" in told
    assert "is frozen already" in (await admin.command("freeze", "1 again"))[-1].text

    receipt = await repay_due(person)
    assert not any("open again" in reply.text for reply in receipt)
    home = (await person.command("menu"))[-1].text
    assert "Reason: suspected fraud" in home
    assert CANNOT_BORROW in (await person.press("Borrow"))[-1].text


async def test_a_freeze_by_an_operator_alone_says_nothing_of_arrears(bot: Harness) -> None:
    await borrower(bot)
    await bot.person(ADMIN).command("freeze", "1 suspected fraud")
    assert "Repaying what is overdue" not in (await outbox_texts(bot, 501))[-1]


async def test_the_arrears_notice_promises_no_unfreeze_when_an_operator_froze_too(
    bot: Harness,
) -> None:
    await borrower(bot)
    await bot.person(ADMIN).command("freeze", "1 fraud check")
    await late_until(bot, date(2026, 12, 29))

    arrears = (await queued(bot, "freeze:"))[-1].text  # after the operator's own notice
    assert "5 days overdue" in arrears
    assert "also frozen by the lender's decision" in arrears
    assert "unfreezes at once" not in arrears


async def test_a_repayment_that_cures_arrears_while_consent_is_withdrawn(bot: Harness) -> None:
    person = await borrower(bot)
    await late_until(bot, date(2026, 12, 29))
    await withdraw_assessment_consent(person)

    receipt = await repay_due(person)
    text = "\n".join(reply.text for reply in receipt)
    assert "the freeze on your credit line is lifted" in text
    assert "You withdrew a required consent" in text and "/privacy" in text
    assert "open again" not in text
    assert CANNOT_BORROW in await borrow_button(person)


async def test_the_nightly_cure_while_consent_is_withdrawn(bot: Harness) -> None:
    """The job froze the line for arrears and then finds no loan late (caught up some other
    way than a repayment, as after a write-off): it lifts its freeze and says what still
    stops a drawdown."""
    person = await borrower(bot)
    await withdraw_assessment_consent(person)

    def frozen_for_arrears(tx: Tx) -> None:
        tx.execute(
            "INSERT INTO servicing_freezes (user_id, since, days_past_due) VALUES (1, :day, 6)",
            day=local(bot).date(),
        )
        tx.execute("UPDATE conversations SET status = 'frozen'")

    await bot.db.run(frozen_for_arrears)
    await next_day(bot, RULES)

    notices = await queued(bot, "unfreeze:")
    assert len(notices) == 1
    assert "the freeze on your credit line is lifted" in notices[0].text
    assert "You withdrew a required consent" in notices[0].text
    assert "/privacy" in notices[0].text and "open again" not in notices[0].text
    assert CANNOT_BORROW in await borrow_button(person)


async def test_an_operators_unfreeze_while_consent_is_withdrawn(bot: Harness) -> None:
    person, admin = await borrower(bot), bot.person(ADMIN)
    await withdraw_assessment_consent(person)
    await admin.command("freeze", "1 fraud check")

    said = await admin.command("unfreeze", "1")
    assert "cannot borrow: they withdrew a required consent" in said[-1].text
    told = (await outbox_texts(bot, 501))[-1]
    assert "The lender lifted the freeze on your credit line" in told
    assert "/privacy" in told and "open again" not in told
    assert CANNOT_BORROW in await borrow_button(person)
