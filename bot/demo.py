"""The scripted demo: the whole borrower journey typed into the console, once per language,
then the loan's life with the clock moved a day at a time (nightly close of business and the
10:00 reminder sweep each day): the first instalment paid ahead (its reminders never come), the
3-day, 1-day and due-day reminders of the second, a missed payment and the home screen's
overdue notice, an overdue reminder with penalty whose Repay button opens the repayment that
cures it, and the payoff that closes the loan.

Edit `DEMO_SCRIPT` to follow the flows: one console input per line, `{invite}` is replaced by
a fresh invite code, `#N` presses the N-th button on screen, `##` presses the
last pressed button again, `/contact` shares the console
user's own phone. Each language runs against its own throw-away database.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.console import ConsoleQuit, ConsoleSession, language_code_for
from bot.settings import Settings
from storage.schema import migrate_in_child

DEMO_LOCALES = ("zh_CN", "en")

DEMO_SCRIPT: list[str] = [
    "/start {invite}",  # the invite deep link
    "#1",  # intro and risk warning: continue
    "#1",  # consent: identity and credit assessment -> Agree
    "#1",  # consent: sensitive data (ID number, finances) -> Agree
    "#1",  # consent: use of the invite relationship (optional) -> Agree
    "#2",  # consent: marketing (optional) -> Decline
    "张三",  # legal name
    "110105199003071238",  # ID number with a wrong check digit: explained, asked again
    "110105199003071239",  # valid ID number, born 1990-03-07
    "/contact_other +8613900000000",  # someone else's contact: refused
    "/contact +8613800138000",  # own contact
    "#1",  # employment: employed
    "#4",  # time in employment: 4 to 7 years
    "abc",  # income nonsense: an example of what works
    "1.2万",  # monthly income
    "#4",  # questionnaire: account balance, 2,000 or more
    "#4",  # savings: over 20,000
    "#2",  # credit history: all repaid on time
    "#1",  # existing credits: none
    "#1",  # other instalment plans: no
    "#1",  # monthly repayments elsewhere: nothing
    "#1",  # housing: own home
    "#1",  # property: real estate
    "#1",  # dependents: none
    "#2",  # purpose: furniture or appliances
    "#2",  # first loan expected: 5,000 to 20,000
    "#3",  # over 12 months
    "#1",  # review of the answers: confirm -> decision and credit line
    "#1",  # home menu: borrow
    "5000",  # amount
    "#2",  # term
    "#1",  # disclosure: confirm
    "##",  # a second tap on the same Confirm: nothing more is created
    "/loans",
    "/repay",
    "#1",  # repay the amount due
    "#1",  # confirm the repayment
    "/help",
]

# Days after the drawdown -> what the borrower types that day, after the 10:00 reminders.
LIFE_SCRIPT: dict[int, list[str]] = {
    62: ["/menu"],  # a day late: the home screen says what is overdue and how to repay
    # 3 days late: the reminder's Repay button, then pays what is overdue, penalty included
    64: ["#1", "#1", "#1"],
    65: ["/repay", "#2", "#1", "/loans"],  # pays the rest off: the loan closes
}
LIFE_DAYS = 65
DEMO_START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai

Write = Callable[[str], None]


class DemoClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def _type(session: ConsoleSession, out: list[str], lines: Sequence[str]) -> None:
    for line in lines:
        out.append(f"you> {line}")
        try:
            await session.submit(line)
        except ConsoleQuit:
            return
        await session.flush_outbox()


async def _live(
    session: ConsoleSession, settings: Settings, clock: DemoClock, out: list[str]
) -> None:
    """Move the clock a day at a time; show each day that brought a message or an action."""
    from bot.scheduler import ServicingJobs
    from flows.engine import Engine
    from storage import SqlStore

    engine = session.conversation
    if not isinstance(engine, Engine) or not isinstance(engine.store, SqlStore):
        return
    jobs = ServicingJobs(engine.store, settings, clock)
    zone = ZoneInfo(settings.default_timezone)
    for day in range(1, LIFE_DAYS + 1):
        clock.now += timedelta(days=1)
        await jobs.close_of_business()
        await jobs.reminder_sweep()
        mark = len(out)  # the session writes into `out`
        session.sender.begin_turn()  # the day's reminder buttons are #1, #2...
        await session.flush_outbox()
        await _type(session, out, LIFE_SCRIPT.get(day, []))
        if len(out) > mark:
            out.insert(mark, f"---- {clock.now.astimezone(zone):%Y-%m-%d %H:%M} (day {day}) ----")


async def run_demo(
    settings: Settings,
    locales: Sequence[str] = DEMO_LOCALES,
    script: Sequence[str] | None = None,
    write: Write = print,
) -> None:
    from bot.wiring import build_conversation, close, create_invite

    for locale in locales:
        with tempfile.TemporaryDirectory(prefix="chatlend-demo-") as directory:
            database = Path(directory) / "demo.db"
            local = settings.model_copy(
                update={
                    "database_url": f"sqlite:///{database}",
                    "default_locale": locale,
                }
            )
            await migrate_in_child(local.database_url)
            conversation = await build_conversation(local)
            clock = DemoClock(DEMO_START)
            if hasattr(conversation, "clock"):
                conversation.clock = clock  # the demo moves time itself
            try:
                code = await create_invite(local, uses=1, days=7, inviter="demo")
                lines = [line.format(invite=code) for line in script or DEMO_SCRIPT]
                write(f"==== ChatLend demo ({locale}) ====")
                out: list[str] = []
                session = ConsoleSession(conversation, language_code_for(locale), out.append)
                await _type(session, out, lines)
                write("\n".join(out))
                out.clear()
                await _live(session, local, clock, out)
                if out:
                    write(f"==== The loan's life, a day at a time ({locale}) ====")
                    write("\n".join(out))
                write("")
            finally:
                await close(conversation)
