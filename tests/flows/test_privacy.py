"""Personal data stays where it belongs: not in logs, not read without consent."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from flows.events import Text
from flows.pacing import PACE
from risk.application import InviterStanding
from storage.store import TxStore
from tests.flows.harness import Harness, at_name_question, identify_and_apply, onboard, resident_id


async def test_no_name_id_number_or_phone_reaches_the_logs(
    bot: Harness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    number = resident_id(date(1990, 3, 7))
    person = bot.person()
    await onboard(person, await bot.invite())
    await person.say(number)  # typed where it does not belong, too

    def database_gone(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database went away")

    # A step that fails while holding what they typed: its traceback goes to the log.
    monkeypatch.setattr(TxStore, "commit", database_gone)
    await person.say(number)
    assert "Sorry" in person.last_text()  # they were told, and the log got the failure
    assert "step failed" in caplog.text and "the database went away" in caplog.text
    for secret in ("Li Wei", number, "13800138000", "138 0013 8000"):
        assert secret not in caplog.text


async def inviter_reads(
    bot: Harness, monkeypatch: pytest.MonkeyPatch, consent_label: str
) -> list[str]:
    asked: list[str] = []
    real = TxStore.inviter_standing

    async def spy(self: TxStore, inviter: str, today: date) -> InviterStanding | None:
        asked.append(inviter)
        return await real(self, inviter, today)

    # Steps read through the unit of work's repository: spy there, where every read passes.
    monkeypatch.setattr(TxStore, "inviter_standing", spy)
    person = bot.person()
    await person.command("start", await bot.invite(inviter="user:77"))
    await person.press("Continue")
    await person.press("Agree")
    await person.press("Agree")
    await person.press(consent_label)  # the optional use of the invite relationship
    await person.press("Agree")
    answers = await identify_and_apply(person)
    assert "Approved!" in answers[0].text
    return asked


async def test_the_inviters_standing_is_not_read_without_consent(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert await inviter_reads(bot, monkeypatch, "Decline") == []


async def test_the_inviters_standing_is_read_with_consent(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert await inviter_reads(bot, monkeypatch, "Agree") == ["user:77"]


async def test_answers_before_the_name_hold_no_personal_data(bot: Harness) -> None:
    person = bot.person()
    await at_name_question(person, await bot.invite())
    session = await bot.store.load_session("telegram", person.user_id)
    assert session is not None and set(session.answers) <= {"consents", "invited_by", PACE}


async def test_json_logs_carry_a_correlation_id_and_no_personal_data(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LOG_FORMAT=json: each line is JSON, the lines of one update share its correlation id,
    and neither a message, a name, an ID number nor a phone number gets into any field, also
    when a step fails with an exception whose message quotes what the person typed."""
    import io
    import json

    from bot.logging_setup import CorrelationFilter, JsonFormatter
    from bot.metrics import InstrumentedConversation
    from flows import engine

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(CorrelationFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    number = resident_id(date(1990, 3, 7))
    bot.engine = InstrumentedConversation(bot.engine, "webhook")  # type: ignore[assignment]
    try:
        person = bot.person()
        await onboard(person, await bot.invite())
        real_step = engine.Engine._step

        def failing(self: object, uow: object, event: object, cached: object) -> None:
            raise ValueError(f"could not parse {number} from Li Wei at 13800138000")

        monkeypatch.setattr(engine.Engine, "_step", failing)
        await person.send(Text(number), update_id=4242)
        monkeypatch.setattr(engine.Engine, "_step", real_step)
    finally:
        root.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    failed = [line for line in lines if line.get("exception") == "ValueError"]
    assert failed and failed[0]["correlation_id"] == "telegram-4242"
    assert failed[0]["where"]
    written = stream.getvalue()
    for secret in ("Li Wei", number, "13800138000", "138 0013 8000"):
        assert secret not in written
