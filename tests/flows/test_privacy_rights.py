"""/privacy: see and withdraw consents, download one's data, delete one's account."""

from __future__ import annotations

import json
from datetime import date

import pytest

from flows.events import ButtonPress, Reply, Text
from risk.application import InviterStanding
from storage.privacy import NOT_ABOUT_A_PERSON, marketing_audience, marketing_consented
from storage.store import TxStore
from tests.flows.harness import (
    TABLES_A_JOURNEY_LEAVES_EMPTY,
    Harness,
    Person,
    at_name_question,
    database_bytes,
    identify_and_apply,
    onboard,
    resident_id,
)

ID_NUMBER = resident_id(date(1990, 3, 7))
PHONE = "13800138000"


async def audience(bot: Harness) -> list[int]:
    return await bot.db.run(marketing_audience)


async def user_id(bot: Harness, person: Person) -> int:
    session = await bot.store.load_session("telegram", person.user_id)
    assert session is not None and session.user_id is not None
    return session.user_id


async def withdraw(person: Person, purpose: str) -> list[Reply]:
    await person.command("privacy")
    await person.press(f"Withdraw: {purpose}")
    return await person.press("Yes, withdraw")


async def test_privacy_lists_each_consent_with_its_state_version_and_date(bot: Harness) -> None:
    person = bot.person()
    await at_name_question(person, await bot.invite())
    shown = (await person.command("privacy"))[0].text
    assert (
        "• Marketing messages (optional): given on November 23, 2026, text version 2026-11-01"
        in shown
    )
    assert "• Identity and credit assessment (required): given on" in shown
    labels = [b.label for row in person.seen[-1].reply.buttons for b in row]
    assert "Withdraw: Use of your invitation" in labels and "Download my data" in labels


async def test_withdrawing_marketing_removes_the_person_from_the_audience(bot: Harness) -> None:
    person = bot.person()
    await onboard(person, await bot.invite())
    me = await user_id(bot, person)
    assert await audience(bot) == [me]
    asked = (await person.command("privacy"), await person.press("Withdraw: Marketing"))[1]
    assert "changes nothing else" in asked[0].text
    assert await audience(bot) == [me]  # not before the confirmation
    done = await person.press("Yes, withdraw")
    assert "Recorded: you withdrew your consent to: Marketing messages." in done[0].text
    assert "withdrawn or declined on November 23, 2026" in done[-1].text
    assert await audience(bot) == []
    assert not await bot.db.run(lambda tx: marketing_consented(tx, me))
    # Recorded like a grant: time, text version, hash of the text.
    row = await bot.db.run(
        lambda tx: tx.one("SELECT * FROM consents WHERE purpose = 'marketing' ORDER BY id DESC")
    )
    assert row is not None and not row.granted and row.text_version and len(row.text_hash) == 64
    # Nothing else changed: borrowing is still there.
    assert "Available: CN¥80,000.00" in (await person.command("menu"))[-1].text
    await person.command("privacy")
    await person.press("Give: Marketing")
    await person.press("Agree")
    assert await audience(bot) == [me]


async def test_after_withdrawing_the_invite_consent_no_decision_reads_the_inviter(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    real = TxStore.inviter_standing

    async def spy(self: TxStore, inviter: str, today: date) -> InviterStanding | None:
        asked.append(inviter)
        return await real(self, inviter, today)

    monkeypatch.setattr(TxStore, "inviter_standing", spy)
    person = bot.person()
    await at_name_question(person, await bot.invite(inviter="user:77"))
    await withdraw(person, "Use of your invitation")
    back = await person.press("Done")
    assert "legal name" in back[-1].text
    decision = await identify_and_apply(person)
    assert "Approved" in decision[0].text
    assert asked == []


async def test_withdrawing_a_required_consent_is_explained_and_stops_new_drawdowns(
    bot: Harness,
) -> None:
    person = bot.person()
    await onboard(person, await bot.invite())
    await person.command("privacy")
    explained = (await person.press("Withdraw: Identity and credit assessment"))[0].text
    assert "no new applications or drawdowns" in explained
    assert "still serviced and reminded under your contract" in explained
    await person.press("Yes, withdraw")
    home = (await person.command("menu"))[-1].text
    assert "Available: CN¥0.00" in home and "You withdrew a required consent" in home
    refused = await person.press("Borrow")
    assert any("You cannot borrow right now" in r.text for r in refused)
    await person.command("privacy")
    await person.press("Give: Identity and credit assessment")
    await person.press("Agree")
    assert "Available: CN¥80,000.00" in (await person.command("menu"))[-1].text


async def test_withdrawing_a_required_consent_while_applying_stops_the_application(
    bot: Harness,
) -> None:
    person = bot.person()
    await at_name_question(person, await bot.invite())
    stopped = await withdraw(person, "Sensitive personal information")
    assert "Without this consent we cannot assess an application" in stopped[-1].text
    assert "Name:" not in (await person.say("Li Wei"))[0].text


def _document(replies: list[Reply]) -> dict:
    documents = [r.document for r in replies if r.document is not None]
    assert len(documents) == 1
    return json.loads(documents[0].content)


async def borrow_and_repay(person: Person) -> None:
    await person.press("Borrow")
    await person.say("5000")
    await person.press("3 months")
    await person.press("Confirm")
    await person.command("repay")
    await person.press("Pay off")
    await person.press("Confirm")


async def test_the_export_holds_every_table_about_the_person_and_nothing_about_anyone_else(
    bot: Harness,
) -> None:
    invite = await bot.invite()
    other = bot.person(502)
    await onboard(other, invite, birth=date(1985, 6, 1), phone="+86 139 0000 1111")
    await other.press("Borrow")
    await other.say("3000")
    await other.press("3 months")
    await other.press("Confirm")
    person = bot.person(501)
    await onboard(person, invite)
    await borrow_and_repay(person)
    await person.command("privacy")
    replies = await person.press("Download my data")
    assert "Consent records: 4" in replies[0].text and "loans: 1" in replies[0].text
    exported = _document(replies)
    assert exported["summary"][0].startswith("Your data held by")
    data = exported["data"]
    me, them = await user_id(bot, person), await user_id(bot, other)
    tables = await bot.db.run(
        lambda tx: {r.name for r in tx.all("SELECT name FROM sqlite_master WHERE type='table'")}
    )
    about_people = tables - NOT_ABOUT_A_PERSON
    assert about_people <= set(data)
    for table in about_people - TABLES_A_JOURNEY_LEAVES_EMPTY:
        assert data[table], f"nothing exported from {table}"
    identity = data["identities"][0]
    assert identity["name"] == "Li Wei" and identity["id_number"] == ID_NUMBER
    assert identity["phone"].endswith(PHONE) and identity["birth_date"] == "1990-03-07"
    assert len(data["consents"]) == 4 and len(data["instalments"]) == 3
    assert {row["user_id"] for t in data.values() for row in t if "user_id" in row} == {me}
    other_id = resident_id(date(1985, 6, 1))
    text = json.dumps(exported, ensure_ascii=False)
    assert other_id not in text and f'"user_id": {them}' not in text
    again = await person.press("Download my data")
    assert "once a day" in again[0].text and all(r.document is None for r in again)
    bot.clock.advance(days=1)
    await person.command("privacy")
    assert _document(await person.press("Download my data"))


async def test_the_export_is_in_the_persons_language(bot: Harness) -> None:
    person = bot.person(language_code="zh")
    invite = await bot.invite()
    await person.command("start", invite)
    await person.command("privacy")
    summary = _document([r for r in await person.press("下载我的数据") if r.document is not None])[
        "summary"
    ]
    assert "授权记录" in summary[1]


async def test_deletion_is_refused_while_owed_then_erases_name_id_and_phone(bot: Harness) -> None:
    person = bot.person()
    await onboard(person, await bot.invite())
    await person.press("Borrow")
    await person.say("5000")
    await person.press("3 months")
    await person.press("Confirm")
    await person.command("privacy")
    refused = await person.press("Delete my account")
    assert "cannot be deleted while a loan is not fully repaid" in refused[0].text
    await person.command("repay")
    await person.press("Pay off")
    await person.press("Confirm")
    me = await user_id(bot, person)
    secrets = await bot.db.run(
        lambda tx: tx.one(
            "SELECT name_enc, id_number_enc, phone_enc, birth_date_enc FROM identities"
            " WHERE user_id = :u",
            u=me,
        )
    )
    assert secrets is not None
    await person.command("privacy")
    asked = (await person.press("Delete my account"))[0].text
    assert "Kept until November 23, 2031" in asked and "5 years after your last repayment" in asked
    done = await person.press("Delete my account")
    assert "Your account is deleted" in done[0].text and "November 23, 2031" in done[0].text
    stored = database_bytes(bot.path)
    for value in ("Li Wei", ID_NUMBER, PHONE, "138 0013 8000", *secrets.values()):
        assert value.encode() not in stored, value
    assert await bot.db.run(lambda tx: tx.scalar("SELECT COUNT(*) FROM loans")) == 1  # kept
    assert await audience(bot) == []  # their marketing consent is kept as a record only
    # A new invite: a new person, from the start.
    again = await person.command("start", await bot.invite())
    assert "Welcome!" in again[0].text
    assert await user_id(bot, person) != me


async def test_privacy_before_joining_is_explained(bot: Harness) -> None:
    replies = await bot.person().command("privacy")
    assert "once you have joined with an invite" in replies[0].text


async def test_help_and_the_home_menu_lead_to_privacy(bot: Harness) -> None:
    person = bot.person()
    await onboard(person, await bot.invite())
    assert "/privacy shows your consents" in (await person.command("help"))[0].text
    assert "Your consents:" in (await person.press("Privacy"))[0].text


async def test_a_crafted_delete_button_while_a_loan_is_open_erases_nothing(bot: Harness) -> None:
    person = bot.person()
    await onboard(person, await bot.invite())
    await person.press("Borrow")
    await person.say("5000")
    await person.press("3 months")
    await person.press("Confirm")
    await person.command("privacy")
    session = await bot.store.load_session("telegram", person.user_id)
    assert session is not None
    crafted = await person.send(ButtonPress(f"{session.screen}:privacy.delete!"))
    assert "cannot be deleted while a loan is not fully repaid" in crafted[0].text
    assert await bot.db.run(lambda tx: tx.scalar("SELECT COUNT(*) FROM identities")) == 1
    unknown = await person.send(ButtonPress(f"{session.screen}:privacy.withdraw!.everything"))
    assert "This button has expired" in unknown[0].text


async def test_records_are_kept_five_years_from_the_last_repayment_not_from_the_deletion(
    bot: Harness,
) -> None:
    person = bot.person()
    await onboard(person, await bot.invite())
    await person.press("Borrow")
    await person.say("5000")
    await person.press("3 months")
    await person.press("Confirm")
    bot.clock.advance(days=10)  # repaid on December 3, 2026
    await person.command("repay")
    await person.press("Pay off")
    await person.press("Confirm")
    bot.clock.advance(days=400)  # asks to be deleted more than a year later
    await person.command("privacy")
    asked = (await person.press("Delete my account"))[0].text
    assert "Kept until December 3, 2031" in asked
    await person.press("Delete my account")
    erased = await bot.db.run(lambda tx: tx.one("SELECT reason, keep_until FROM erased_accounts"))
    assert erased is not None
    assert (erased.reason, str(erased.keep_until)[:10]) == ("deleted", "2031-12-03")


async def test_an_update_redelivered_after_deletion_does_not_bring_the_name_back(
    bot: Harness,
) -> None:
    """Replies kept for replaying an update that quoted the person's name are dropped at
    deletion. Telegram redelivering such an update then gets no answer at all: not the name,
    and not an error."""
    person = bot.person()
    await onboard(person, await bot.invite())
    await person.command("privacy")
    await person.press("Delete my account")
    await person.press("Delete my account")
    dropped = await bot.db.run(
        lambda tx: tx.all("SELECT update_id FROM processed_updates WHERE replies IS NULL")
    )
    assert dropped
    again = await person.send(Text("Li Wei"), update_id=dropped[0].update_id)
    assert again == []
