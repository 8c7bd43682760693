"""Drive the real engine on a real SQLite database, the way a person would chat."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flows.config import FlowConfig
from flows.engine import Engine
from flows.events import (
    ButtonPress,
    Command,
    Event,
    Outgoing,
    Payload,
    Reply,
    SharedContact,
    Text,
    Unsupported,
)
from storage import Database, PiiVault, SqlStore
from tests.databases import migrated

TEST_PII_KEY = "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdCE="
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def resident_id(birth: date, region: str = "110105", sequence: str = "123") -> str:
    """A resident ID number with a correct GB 11643 check digit."""
    body = f"{region}{birth:%Y%m%d}{sequence}"
    return body + _CHECK[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


def database_bytes(path: Path) -> bytes:
    """What a SQLite database holds on disk: its file and its write-ahead log."""
    return b"".join(
        candidate.read_bytes()
        for candidate in (path, path.with_name(path.name + "-wal"))
        if candidate.exists()
    )


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Person:
    """One chat participant. Keeps what the bot sent so a test can press its buttons."""

    bot: Harness
    user_id: int
    language_code: str = "en"
    seen: list[Outgoing] = field(default_factory=list)

    async def send(self, payload: Payload, update_id: int | None = None) -> list[Reply]:
        event = Event(
            platform="telegram",
            user_id=self.user_id,
            chat_id=self.user_id,
            update_id=update_id if update_id is not None else next(self.bot.update_ids),
            at=self.bot.clock(),
            language_code=self.language_code,
            payload=payload,
        )
        out = await self.bot.deliver(event)
        for item in out:
            if item.outbox_id is not None:
                await self.bot.engine.mark_delivered(item.outbox_id)
        self.seen.extend(out)
        return [item.reply for item in out]

    async def say(self, text: str) -> list[Reply]:
        return await self.send(Text(text))

    async def command(self, name: str, arg: str = "") -> list[Reply]:
        return await self.send(Command(name, arg))

    async def share_contact(self, phone: str, owner: int | None = None) -> list[Reply]:
        return await self.send(SharedContact(phone, self.user_id if owner is None else owner))

    async def sticker(self) -> list[Reply]:
        return await self.send(Unsupported("sticker"))

    def button(self, label_part: str) -> str:
        """The token of the newest button whose label contains `label_part`."""
        for item in reversed(self.seen):
            for row in item.reply.buttons:
                for button in row:
                    if label_part in button.label:
                        return button.token
        raise AssertionError(f"no button like {label_part!r} in {self.last_text()!r}")

    async def press(self, label_part: str) -> list[Reply]:
        return await self.send(ButtonPress(self.button(label_part)))

    def last_text(self) -> str:
        return self.seen[-1].reply.text if self.seen else ""


class Harness:
    def __init__(
        self,
        path: Path,
        clock: Clock | None = None,
        config: FlowConfig | None = None,
        url: str | None = None,
    ) -> None:
        self.path = path
        self.url = url or f"sqlite:///{path}"
        self.clock = clock or Clock(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))  # 10:00 in Shanghai
        self.config = config or FlowConfig()
        self.update_ids = itertools.count(1)
        migrated(self.url)
        self.db = Database(self.url)
        self.store = SqlStore(self.db, PiiVault(TEST_PII_KEY))
        self.engine = Engine(self.store, self.config, self.clock)

    def person(self, user_id: int = 501, language_code: str = "en") -> Person:
        return Person(self, user_id, language_code)

    async def deliver(self, event: Event) -> list[Outgoing]:
        """What the transport does with an update (tests of several processes route it)."""
        return await self.engine.handle(event)

    async def invite(self, uses: int = 5, days: int = 7, inviter: str = "operator") -> str:
        return await self.store.create_invite(inviter, uses, days, self.clock())

    async def restart(self) -> None:
        """A new process on the same database: nothing survives but what was committed."""
        await self.db.close()
        self.db = Database(self.url)
        self.store = SqlStore(self.db, PiiVault(TEST_PII_KEY))
        self.engine = Engine(self.store, self.config, self.clock)

    async def close(self) -> None:
        await self.db.close()


GOOD_ANSWERS = {
    "employment": "Employed",
    "employment_length": "4 to 7 years",
    "bank_balance": "CN¥2,000.00 or more",
    "savings": "CN¥10,000.00 or more",
    "credit_history": "All repaid on time",
    "existing_credits": "No loans",
    "other_instalments": "No",
    "housing": "In my own home",
    "property": "Real estate",
    "dependents": "Nobody",
    "purpose": "Furniture or appliances",
    "requested_amount_fen": "CN¥5,000.00 to CN¥20,000.00",
    "requested_term_months": "12 months",
}


async def at_name_question(person: Person, invite: str) -> None:
    """Admitted, introduced, every consent given: the legal name is asked next."""
    await person.command("start", invite)
    await person.press("Continue")
    for _ in range(4):
        await person.press("Agree")


async def onboard(
    person: Person,
    invite: str,
    *,
    birth: date = date(1990, 3, 7),
    income: str = "2万",
    answers: dict[str, str] | None = None,
    id_sequence: str = "123",
    phone: str = "+86 138 0013 8000",
) -> list[Reply]:
    """The whole onboarding with good answers; returns the replies to Submit."""
    await at_name_question(person, invite)
    return await identify_and_apply(
        person, birth=birth, income=income, answers=answers, id_sequence=id_sequence, phone=phone
    )


async def identify_and_apply(
    person: Person,
    *,
    birth: date = date(1990, 3, 7),
    income: str = "2万",
    answers: dict[str, str] | None = None,
    id_sequence: str = "123",
    phone: str = "+86 138 0013 8000",
) -> list[Reply]:
    """From the name question to the decision: KYC, questionnaire, Submit."""
    await person.say("Li Wei")
    await person.say(resident_id(birth, sequence=id_sequence))
    await person.share_contact(phone)
    chosen = {**GOOD_ANSWERS, **(answers or {})}
    await person.press(chosen["employment"])
    await person.press(chosen["employment_length"])
    await person.say(income)
    for key in (
        "bank_balance",
        "savings",
        "credit_history",
        "existing_credits",
        "other_instalments",
        "housing",
        "property",
        "dependents",
        "purpose",
        "requested_amount_fen",
        "requested_term_months",
    ):
        await person.press(chosen[key])
        if key == "other_instalments":
            await answer_repayments_elsewhere(person, chosen.get("outside_repayments"))
    return await person.press("Submit")


async def answer_repayments_elsewhere(person: Person, typed: str | None) -> None:
    """Types the monthly repayments elsewhere, or taps "Nothing elsewhere" when None."""
    if typed is None:
        await person.press("Nothing elsewhere")
    else:
        await person.say(typed)


# Tables a borrow-and-repay journey leaves empty (no night passed, nobody blocked the bot or
# had a line frozen): the export covers them all the same when they hold rows.
TABLES_A_JOURNEY_LEAVES_EMPTY = frozenset(
    {
        "servicing_freezes",
        "unreachable_users",
        "reminders",
        "reminder_days",
        "reminder_preferences",
        "operator_grants",
        "operator_audit",
        "account_freezes",
        "broadcasts",
        "broadcast_recipients",
        "review_decisions",
        "drawdown_requests",
        "staff_menus",
        "tickets",
        "ticket_replies",
    }
)


async def withdraw_assessment_consent(person: Person) -> None:
    """Through /privacy: the required consent to identity and credit assessment taken back."""
    await person.command("privacy")
    await person.press("Withdraw: Identity and credit assessment")
    await person.press("Yes, withdraw")
    await person.press("Done")


async def delete_account(person: Person) -> None:
    await person.command("privacy")
    await person.press("Delete my account")
    assert "Your account is deleted" in (await person.press("Delete my account"))[-1].text
