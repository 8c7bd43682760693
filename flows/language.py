"""/language: switch between 中文 and English at any step, losing nothing."""

from __future__ import annotations

from flows.context import StepContext
from flows.events import Button
from flows.i18n import SUPPORTED_LOCALES

LANGUAGE_CHOICE = "lang="
# Each language is offered in its own words, whatever the current locale.
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


def offer_languages(ctx: StepContext) -> None:
    ctx.session.screen += 1
    buttons = tuple(
        Button(LANGUAGE_NAMES[locale], f"{ctx.session.screen}:{LANGUAGE_CHOICE}{locale}")
        for locale in SUPPORTED_LOCALES
    )
    ctx.say(ctx._("Choose your language:"), buttons=(buttons,))


async def choose_language(ctx: StepContext, locale: str) -> None:
    from flows.steps.base import expired

    if locale not in SUPPORTED_LOCALES:
        await expired(ctx)
        return
    ctx.session.locale = locale
    ctx.say(ctx._("Language set to English."), edit=True)
    await ctx.reprompt()
