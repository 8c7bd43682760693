"""Broadcasts: composed and previewed in the chat, sent in the background under the send budget,
exactly once per reachable person across a crash, marketing only with consent and by day."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.broadcast import BroadcastRunner
from bot.send_budget import BudgetLimits, SendBudget
from flows.changes import StartBroadcast
from flows.events import ButtonPress
from storage import broadcasts
from storage.sql import Tx
from tests.flows.harness import Harness, at_name_question
from tests.operators.conftest import ADMIN
from tests.operators.fake_bot_api import Crash, RecordingApi
from tests.operators.helpers import audit_actions
from tests.operators.virtual_time import VirtualClock, worst_window
from tests.servicing.conftest import borrower, nightly

BASE_CHAT = 100_000


async def add_people(bot: Harness, count: int, timezone: str = "Asia/Shanghai") -> None:
    """Admitted people straight into the tables: the broadcast, not onboarding, is under test."""
    now = bot.clock()

    def work(tx: Tx) -> None:
        for n in range(count):
            user_id = tx.scalar(
                "INSERT INTO users (platform, platform_user_id, created_at)"
                " VALUES ('telegram', :tg, :now) RETURNING id",
                tg=BASE_CHAT + n,
                now=now,
            )
            tx.execute(
                "INSERT INTO conversations (user_id, chat_id, locale, timezone, status, state,"
                " answers, screen, version, updated_at) VALUES (:id, :chat, :locale, :zone,"
                " 'active', 'home', '{}', 0, 1, :now)",
                id=user_id,
                chat=BASE_CHAT + n,
                locale="zh_CN" if n % 2 else "en",
                zone=timezone,
                now=now,
            )

    await bot.db.run(work)


def start(kind: str = "service", audience: str = "all") -> StartBroadcast:
    return StartBroadcast(ADMIN, ADMIN, "en", "telegram", "Hello", "你好", audience, kind)


async def queue(bot: Harness, change: StartBroadcast) -> int:
    now = bot.clock()
    return await bot.db.run(lambda tx: broadcasts.create(tx, change, now, now.date()))


def runner(bot: Harness, api: RecordingApi, clock: VirtualClock, **kw: int) -> BroadcastRunner:
    budget = SendBudget(BudgetLimits(broadcast_rate=25), clock=clock, sleep=clock.sleep)
    return BroadcastRunner(
        bot.db, api, budget, now=bot.clock, monotonic=clock, status_every=5.0, **kw
    )


async def test_2000_people_429_and_403_at_random_and_a_crash_half_way(bot: Harness) -> None:
    await add_people(bot, 2000)
    blocked = {BASE_CHAT + n for n in range(0, 2000, 37)}
    clock = VirtualClock()
    api = RecordingApi(clock, blocked, flood=0.02, server_errors=0.02)
    broadcast_id = await queue(bot, start())
    api.crash_after = 1000
    first = runner(bot, api, clock, concurrency=1)
    try:
        await first.run(broadcast_id)
        raise AssertionError("the crash did not happen")
    except Crash:
        pass
    await first.budget.close()
    await bot.restart()  # a new process: only what was committed survives ...
    clock.now += 1.0  # ... and it takes a second to start, like any real one
    second = runner(bot, api, clock)
    await second.run(broadcast_id)
    await second.budget.close()

    people = [(chat, chat - BASE_CHAT) for chat, _ in api.delivered if chat != ADMIN]
    copies = api.copies()
    reachable = {BASE_CHAT + n for n in range(2000)} - blocked
    assert {chat for chat, _ in people} == reachable  # nobody missed ...
    assert all(copies[chat] == 1 for chat in reachable)  # ... and nobody twice
    assert all(
        text == ("你好" if n % 2 else "Hello")
        for (_, text), (_, n) in zip(
            [d for d in api.delivered if d[0] != ADMIN], people, strict=True
        )
    )
    broadcast_times = [
        t for (chat, _), t in zip(api.delivered, api.sent_at, strict=True) if chat != ADMIN
    ]
    assert worst_window(broadcast_times) <= 25
    counts = await bot.db.run(lambda tx: broadcasts.progress(tx, broadcast_id))
    assert counts == {"sent": len(reachable), "unreachable": len(blocked)}
    job = await bot.db.run(lambda tx: broadcasts.job(tx, broadcast_id))
    assert job is not None and job.status == "done"
    status = api.edits[-1][2]
    assert "finished" in status and f"unreachable {len(blocked)}" in status


async def test_a_crash_after_telegram_accepted_resends_that_one_message_only(bot: Harness) -> None:
    """The one window: Telegram took the message, the process died before our record of it
    committed. With the runner as configured by default, exactly that person hears it twice;
    a sender that claimed or sent ahead, or batched its records, would repeat more."""
    await add_people(bot, 300)
    clock = VirtualClock()
    api = RecordingApi(clock)
    broadcast_id = await queue(bot, start())
    api.crash_after, api.crash_accepted = 150, True
    first = runner(bot, api, clock)
    try:
        await first.run(broadcast_id)
        raise AssertionError("the crash did not happen")
    except Crash:
        pass
    await first.budget.close()
    in_flight = api.delivered[-1][0]
    in_doubt = await bot.db.run(
        lambda tx: tx.all("SELECT user_id FROM broadcast_recipients WHERE status = 'sending'")
    )
    assert len(in_doubt) == 1  # nothing claimed ahead of its send, no record held back
    await bot.restart()
    clock.now += 1.0
    second = runner(bot, api, clock)
    await second.run(broadcast_id)
    await second.budget.close()
    copies = api.copies()
    assert {chat for chat in copies if chat != ADMIN} == {BASE_CHAT + n for n in range(300)}
    assert [chat for chat, n in copies.items() if n > 1 and chat != ADMIN] == [in_flight]


async def test_marketing_skips_people_without_consent_and_waits_for_the_day(bot: Harness) -> None:
    consenting, withdrawn, never = bot.person(601), bot.person(602), bot.person(603)
    for person in (consenting, withdrawn):
        await at_name_question(person, await bot.invite())
    await never.command("start", await bot.invite())
    await never.press("Continue")
    for _ in range(3):
        await never.press("Agree")
    await never.press("Decline")  # no to marketing
    now = bot.clock()
    await bot.db.run(
        lambda tx: tx.execute(
            "INSERT INTO consents (user_id, purpose, granted, text_version, text_hash, locale, at)"
            " SELECT user_id, 'marketing', false, 'v1', 'h', 'en', :now FROM conversations c"
            " JOIN users u ON u.id = c.user_id WHERE u.platform_user_id = 602",
            now=now,
        )
    )
    bot.clock.now = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai
    clock = VirtualClock()
    api = RecordingApi(clock)
    marketing = await queue(bot, start("marketing"))
    service = await queue(bot, start("service"))
    run = runner(bot, api, clock)
    await run.run(marketing)
    await run.run(service)
    assert sorted(api.copies()) == [601, 602, 603, ADMIN]  # the service notice: everyone, now
    assert all(text == "Hello" for chat, text in api.delivered if chat != ADMIN)

    api.delivered.clear()
    bot.clock.now = datetime(2026, 11, 23, 23, 59, tzinfo=UTC)  # 07:59: still quiet
    await run.run(marketing)
    assert [chat for chat, _ in api.delivered if chat != ADMIN] == []
    bot.clock.now = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
    await run.run(marketing)
    assert [chat for chat, _ in api.delivered if chat != ADMIN] == [601]
    await run.budget.close()


async def test_marketing_that_waited_for_the_morning_skips_a_consent_withdrawn_meanwhile(
    bot: Harness,
) -> None:
    person = bot.person(611)
    await at_name_question(person, await bot.invite())  # every consent given, marketing too
    bot.clock.now = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai
    clock = VirtualClock()
    api = RecordingApi(clock)
    marketing = await queue(bot, start("marketing"))
    run = runner(bot, api, clock)
    await run.run(marketing)
    assert [chat for chat, _ in api.delivered if chat != ADMIN] == []  # waits for 08:00
    await person.command("privacy")
    await person.press("Withdraw: Marketing")
    await person.press("Yes, withdraw")
    bot.clock.now = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
    await run.run(marketing)
    await run.budget.close()
    assert [chat for chat, _ in api.delivered if chat != ADMIN] == []
    counts = await bot.db.run(lambda tx: broadcasts.progress(tx, marketing))
    assert counts == {"withdrawn": 1}


async def test_an_admin_composes_previews_and_confirms_a_broadcast(bot: Harness) -> None:
    admin = bot.person(ADMIN)
    await add_people(bot, 3)
    await admin.command("broadcast")
    preview = await admin.say("Maintenance tonight\n---\n今晚系统维护")
    texts = [reply.text for reply in preview]
    paragraphs = [part for text in texts for part in text.split("\n\n")]
    # Each language's text exactly as recipients get it, as a paragraph of its own.
    assert "Maintenance tonight" in paragraphs and "今晚系统维护" in paragraphs
    assert "It will reach 3 people." in texts[-1]
    await admin.press("Marketing")
    assert "It will reach 0 people." in admin.last_text()  # nobody consented
    await admin.press("Service notice")
    done = await admin.press("Send to 3 people")
    assert "Broadcast queued" in done[-1].text
    again = await admin.send(ButtonPress(admin.button("Send to 3 people")))
    assert "expired" in again[0].text  # a second press queues nothing
    rows = await bot.db.run(lambda tx: tx.all("SELECT total, kind, text_zh FROM broadcasts"))
    assert [(r.total, r.kind, r.text_zh) for r in rows] == [(3, "service", "今晚系统维护")]
    assert "broadcast" in [action for action, _ in await audit_actions(bot)]

    listed = (await admin.command("broadcasts"))[-1].text
    assert "#1" in listed and "0/3 sent" in listed
    assert "is cancelled" in (await admin.command("broadcast_cancel"))[-1].text
    clock = VirtualClock()
    api = RecordingApi(clock)
    await runner(bot, api, clock).run(1)
    assert [chat for chat, _ in api.delivered if chat != ADMIN] == []  # cancelled: nobody


async def test_cancel_leaves_the_compose_screen(bot: Harness) -> None:
    admin = bot.person(ADMIN)
    await admin.command("broadcast")
    assert "nothing was sent" in (await admin.command("cancel"))[-1].text
    assert "Operator console" in (await admin.command("help"))[0].text


async def test_two_senders_on_one_broadcast_send_each_message_once(bot: Harness) -> None:
    await add_people(bot, 200)
    clock = VirtualClock()
    api = RecordingApi(clock)
    broadcast_id = await queue(bot, start())
    first, second = runner(bot, api, clock), runner(bot, api, clock)
    await asyncio.gather(first.run(broadcast_id), second.run(broadcast_id))
    copies = api.copies()
    assert len([c for c in copies if c != ADMIN]) == 200
    assert all(copies[BASE_CHAT + n] == 1 for n in range(200))
    await first.budget.close()
    await second.budget.close()


async def test_the_list_of_broadcasts_says_when_each_was_started(bot: Harness) -> None:
    admin = bot.person(ADMIN)
    await add_people(bot, 2)
    await admin.command("broadcast")
    await admin.say("Maintenance tonight")
    await admin.press("Service notice")
    await admin.press("Send to 2 people")
    bot.clock.advance(days=2)  # read two days later
    listed = (await admin.command("broadcasts"))[-1].text
    assert "#1 11/23/26, 10:00" in listed  # 02:00 UTC, in the admin's Shanghai time
    assert "is cancelled" in (await admin.command("broadcast_cancel"))[-1].text
    row = await bot.db.run(lambda tx: tx.one("SELECT status, finished_at FROM broadcasts"))
    assert row is not None and row.status == "cancelled"
    assert str(row.finished_at)[:16] == "2026-11-25 02:00"  # when it was cancelled


@pytest.mark.parametrize("nights_closed", [True, False])
async def test_a_notice_to_overdue_borrowers_reaches_only_those_late_that_day(
    bot: Harness, nights_closed: bool
) -> None:
    """Whether the nightly job has caught up or not (it may be behind after downtime), a
    borrower who paid ahead is not told they are late."""
    await borrower(bot, 501)  # user 1: pays nothing
    paid = await borrower(bot, 502)
    await paid.command("repay")
    await paid.press("Pay")  # the first instalment, before it falls due
    await paid.press("Confirm")
    bot.clock.advance(days=35)  # 28 December: the first instalment fell due on the 23rd
    if nights_closed:
        await nightly(bot)  # held credit paid it on the day
    admin = bot.person(ADMIN)
    await admin.command("broadcast")
    await admin.say("Please pay what is overdue")
    assert "It will reach 1 people." in (await admin.press("Overdue borrowers"))[-1].text
    await admin.press("Send to 1 people")
    rows = await bot.db.run(lambda tx: tx.all("SELECT user_id FROM broadcast_recipients"))
    assert [row.user_id for row in rows] == [1]
