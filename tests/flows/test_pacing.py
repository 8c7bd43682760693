"""Stray input is answered once per burst, and the question comes back once it scrolled away."""

from __future__ import annotations

from tests.flows.harness import Harness


async def test_the_fourth_stray_message_brings_the_question_back_with_the_reminder(
    bot: Harness,
) -> None:
    person = bot.person()
    await person.command("start", await bot.invite())  # the introduction, with its button
    answers = []
    for _ in range(4):
        bot.clock.advance(seconds=2)
        answers.append(await person.sticker())
    assert [len(replies) for replies in answers] == [1, 1, 1, 1]
    texts = [replies[0].text for replies in answers]
    assert all(text.startswith("I can only read text and buttons here.") for text in texts)
    assert [bool(replies[0].buttons) for replies in answers] == [False, False, False, True]
    assert "Welcome!" in texts[3] and "Welcome!" not in texts[2]
