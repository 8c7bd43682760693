"""Invite-only entry, separate consents, and the commands that work everywhere."""

from __future__ import annotations

import asyncio
from datetime import date

from flows.consent import CONSENT_TEXT_VERSION
from flows.states import State
from tests.flows.harness import Harness, Person, at_name_question, onboard, resident_id


async def test_without_an_invite_the_bot_explains_it_is_invite_only(bot: Harness) -> None:
    person = bot.person()
    assert "by invitation only" in (await person.command("start"))[0].text
    assert "by invitation only" in (await person.say("hello"))[0].text
    wrong = await person.command("start", "not-a-real-code")
    assert "not valid" in wrong[0].text
    # Strangers cost nothing: no user, no conversation, no processed-update row.
    assert await bot.store.load_session("telegram", person.user_id) is None
    counts = await bot.store.db.run(
        lambda tx: [
            tx.scalar(f"SELECT COUNT(*) FROM {table}")
            for table in ("users", "conversations", "processed_updates")
        ]
    )
    assert counts == [0, 0, 0]


async def test_an_invite_admits_only_as_many_people_as_its_quota(bot: Harness) -> None:
    code = await bot.invite(uses=1)
    assert "Welcome!" in (await bot.person(1).command("start", code))[0].text
    assert "used up" in (await bot.person(2).command("start", code))[0].text


async def test_an_expired_invite_is_refused(bot: Harness) -> None:
    code = await bot.invite(days=7)
    bot.clock.advance(days=8)
    assert "expired" in (await bot.person().command("start", code))[0].text


async def test_invite_codes_are_long_random_and_url_safe(bot: Harness) -> None:
    codes = {await bot.invite() for _ in range(20)}
    assert len(codes) == 20
    for code in codes:
        assert 22 <= len(code) <= 64  # 16 random bytes at least: 128 bits
        assert all(ch.isalnum() or ch in "-_" for ch in code)


async def test_the_inviter_is_recorded(bot: Harness) -> None:
    person = bot.person()
    await person.command("start", await bot.invite(inviter="operator:7"))
    invited_by = await bot.db.run(lambda tx: tx.scalar("SELECT invited_by FROM users"))
    assert invited_by == "operator:7"


async def test_a_returning_customer_gets_the_home_menu(bot: Harness) -> None:
    person = bot.person()
    await onboard(person, await bot.invite())
    replies = await person.command("start", "some-old-invite")
    assert "Limit: CN¥" in replies[-1].text


async def test_declining_a_required_consent_ends_politely_and_says_how_to_return(
    bot: Harness,
) -> None:
    person = bot.person()
    await person.command("start", await bot.invite())
    await person.press("Continue")
    await person.press("Agree")
    replies = await person.press("Decline")  # sensitive personal information
    assert "we stop here" in replies[-1].text and "/start" in replies[-1].text
    assert (
        "Welcome!" in (await person.command("start"))[-1].text
    )  # back to the start, consents again
    session = await bot.store.load_session("telegram", person.user_id)
    assert session is not None and session.state is State.INTRO


async def test_optional_consents_can_be_declined_and_each_answer_is_recorded(bot: Harness) -> None:
    person = bot.person()
    await person.command("start", await bot.invite())
    await person.press("Continue")
    await person.press("Agree")
    await person.press("Agree")
    await person.press("Decline")  # invite relationship
    replies = await person.press("Decline")  # marketing
    assert "full legal name" in replies[-1].text
    rows = await bot.db.run(lambda tx: tx.all("SELECT * FROM consents ORDER BY id"))
    assert [(r.purpose, r.granted) for r in rows] == [
        ("assessment", True),
        ("sensitive", True),
        ("invite", False),
        ("marketing", False),
    ]
    assert all(
        r.text_version == CONSENT_TEXT_VERSION and len(r.text_hash) == 64 and r.at for r in rows
    )
    assert len({r.text_hash for r in rows}) == 4  # each purpose its own text


async def test_consent_screens_show_purpose_data_and_retention_with_nothing_preselected(
    bot: Harness,
) -> None:
    person = bot.person()
    await person.command("start", await bot.invite())
    screen = (await person.press("Continue"))[-1]
    assert "Purpose:" in screen.text and "Data used:" in screen.text and "Kept:" in screen.text
    assert [b.label for row in screen.buttons for b in row] == ["Agree", "Decline"]


async def test_back_corrects_the_previous_answer_and_cancel_keeps_everything(bot: Harness) -> None:
    person = bot.person()
    await at_name_question(person, await bot.invite())
    await person.say("Li Wie")
    assert "full legal name" in (await person.command("back"))[-1].text
    await person.say("Li Wei")
    paused = await person.command("cancel")
    assert "Everything you have told us is kept" in paused[0].text
    resumed = await person.command("start")
    assert "resident ID number" in resumed[-1].text
    identity = await bot.store.identity(1)
    assert identity is not None and identity.name == "Li Wei"


async def test_help_says_where_you_are_and_what_you_can_do(bot: Harness) -> None:
    person = bot.person()
    assert "Invitation check" in (await person.command("help"))[0].text
    await at_name_question(person, await bot.invite())
    helped = (await person.command("help"))[0].text
    assert (
        "You are at: Identity: your legal name" in helped
        and "/back" in helped
        and "/cancel" in helped
    )


async def test_an_unknown_command_is_answered(bot: Harness) -> None:
    assert "don't know that command" in (await bot.person().command("frobnicate"))[0].text


async def test_customer_commands_wait_for_an_approved_line(bot: Harness) -> None:
    person = bot.person()
    await person.command("start", await bot.invite())
    assert "once your credit line is approved" in (await person.command("loans"))[0].text


async def test_language_follows_telegram_and_can_be_switched_without_losing_progress(
    bot: Harness,
) -> None:
    person = bot.person(language_code="zh-hans")
    first = await person.command("start", await bot.invite())
    session = await bot.store.load_session("telegram", person.user_id)
    assert session is not None and session.locale == "zh_CN"
    assert "Welcome!" not in first[-1].text  # spoken in Chinese
    await person.press("继续")
    offered = await person.command("language")
    assert [b.label for row in offered[0].buttons for b in row] == ["中文", "English"]
    switched = await person.press("English")
    assert switched[0].text == "Language set to English."
    assert "Consent 1 of 4" in switched[-1].text  # same question, new language
    session = await bot.store.load_session("telegram", person.user_id)
    assert (
        session is not None and session.locale == "en" and session.state is State.CONSENT_ASSESSMENT
    )


async def test_an_application_below_the_income_floor_is_declined_with_reasons_and_a_date(
    bot: Harness,
) -> None:
    person = bot.person()
    replies = await onboard(person, await bot.invite(), income="1500")
    declined = replies[-1].text
    assert "cannot offer you a credit line" in declined
    assert "You may apply again from" in declined and "ask a person to review it" in declined
    assert "• " in declined
    review = await person.press("human review")
    assert "review team" in review[-1].text
    assert await bot.store.credit_line(1) is None


async def state_of(bot: Harness, person: Person) -> State:
    session = await bot.store.load_session("telegram", person.user_id)
    assert session is not None
    return session.state


async def test_an_id_number_or_phone_of_another_account_is_refused_where_it_is_typed(
    bot: Harness,
) -> None:
    await onboard(bot.person(1), await bot.invite())
    second = bot.person(2)
    await at_name_question(second, await bot.invite())
    await second.say("Wang Fang")
    refused = await second.say(resident_id(date(1990, 3, 7)))
    assert [r.text for r in refused] == [
        "This ID number is already used by another ChatLend account, so it cannot be used"
        " again. If that account is yours, please open ChatLend from the Telegram account you"
        " registered with. If you did not register it, send /complaint and we will look into it."
    ]  # how to reach that account or complain, and nothing about whose account it is
    assert (await second.say(resident_id(date(1991, 4, 8))))[-1].text.startswith("Please share")
    refused = await second.share_contact("+86 138 0013 8000")  # person 1's phone
    assert len(refused) == 1
    assert refused[0].text.startswith("This phone number is already used by another ChatLend")
    assert "/complaint" in refused[0].text and "138" not in refused[0].text
    assert await state_of(bot, second) is State.KYC_PHONE
    identity = await bot.store.identity(2)
    assert identity is not None and identity.phone is None
    assert await bot.store.credit_line(2) is None


async def test_two_accounts_typing_one_id_number_at_the_same_moment_get_it_once(
    bot: Harness,
) -> None:
    """The database's unique key decides a race the step's own check cannot see."""
    people = [bot.person(n) for n in (1, 2)]
    for person in people:
        await at_name_question(person, await bot.invite())
        await person.say("Zhang San")
    number = resident_id(date(1992, 5, 9))
    answers = await asyncio.gather(*(person.say(number) for person in people))
    texts = sorted(replies[-1].text for replies in answers)
    assert texts[0].startswith("Please share") and "already used by another" in texts[1]
    owners = await bot.store.db.run(
        lambda tx: tx.scalar("SELECT COUNT(*) FROM identities WHERE id_hash IS NOT NULL")
    )
    assert owners == 1


async def test_personal_data_is_encrypted_at_rest_and_masked_on_screen(bot: Harness) -> None:
    person = bot.person()
    number = resident_id(date(1990, 3, 7))
    await at_name_question(person, await bot.invite())
    await person.say("Li Wei")
    await person.say(number)
    await person.share_contact("+86 138 0013 8000")
    raw = bot.path.read_bytes() + (
        bot.path.with_name(bot.path.name + "-wal").read_bytes()
        if bot.path.with_name(bot.path.name + "-wal").exists()
        else b""
    )
    for secret in (b"Li Wei", number.encode(), b"13800138000"):
        assert secret not in raw
    dump = await bot.db.run(lambda tx: str(tx.all("SELECT * FROM identities")))
    assert number not in dump and "Li Wei" not in dump
    person_answers = await bot.store.load_session("telegram", person.user_id)
    assert person_answers is not None and number not in str(person_answers.answers)


async def test_a_first_loan_above_the_review_threshold_goes_to_a_person(bot: Harness) -> None:
    person = bot.person()
    replies = await onboard(
        person, await bot.invite(), answers={"requested_amount_fen": "More than CN¥40,000.00"}
    )
    assert "review team" in replies[-1].text and "1 to 3 working days" in replies[-1].text
    session = await bot.store.load_session("telegram", person.user_id)
    assert session is not None and session.state is State.MANUAL_REVIEW
    assert await bot.store.credit_line(1) is None
