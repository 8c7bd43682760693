"""The staff's own screens: the console, and composing a broadcast (text, preview, confirm)."""

from __future__ import annotations

from flows.changes import StartBroadcast
from flows.context import StepContext
from flows.events import Button
from flows.i18n import N_
from flows.operators.access import audit, staff_on_screen
from flows.operators.broadcast_rules import (
    AUDIENCE_LABELS,
    KIND_LABELS,
    Audience,
    Kind,
    split_languages,
)
from flows.operators.review import pick
from flows.states import State
from flows.steps.base import Step

MAX_BROADCAST_CHARS = 3500  # leaves room under Telegram's 4096 once translated phrases wrap it


class Console(Step):
    state = State.OP_CONSOLE
    where = N_("Operator console")
    expects_buttons = False

    async def prompt(self, ctx: StepContext) -> None:
        ctx.say(ctx._("Operator console. Your commands are in the menu; /help lists them too."))

    async def on_button(self, ctx: StepContext, choice: str) -> None:
        if not await pick(ctx, choice):
            await super().on_button(ctx, choice)


class BroadcastText(Step):
    state = State.OP_BROADCAST_TEXT
    where = N_("Broadcast: the text")
    expects_buttons = False

    async def prompt(self, ctx: StepContext) -> None:
        ctx.say(
            ctx._(
                "Send the text of the broadcast. For both languages, write the English text, then a line with only ---, then the Chinese text. /cancel stops."
            )
        )

    async def on_text(self, ctx: StepContext, text: str) -> None:
        english, chinese = split_languages(text)
        if not (english or chinese):
            ctx.say(ctx._("The text is empty. Please send the text of the broadcast."))
            return
        if max(len(english or ""), len(chinese or "")) > MAX_BROADCAST_CHARS:
            ctx.say(
                ctx._(
                    "That is too long for one message: at most {n} characters per language.",
                    n=ctx.t.number(MAX_BROADCAST_CHARS),
                )
            )
            return
        draft = ctx.session.answers.get("broadcast", {})
        ctx.session.answers["broadcast"] = {
            "en": english,
            "zh": chinese,
            "audience": draft.get("audience", Audience.ALL),
            "kind": draft.get("kind", Kind.SERVICE),
        }
        await ctx.go(State.OP_BROADCAST_PREVIEW)


class BroadcastPreview(Step):
    state = State.OP_BROADCAST_PREVIEW
    where = N_("Broadcast: preview and confirm")

    async def prompt(self, ctx: StepContext) -> None:
        draft = ctx.session.answers["broadcast"]
        for language, label in (("en", N_("Preview, English:")), ("zh", N_("Preview, Chinese:"))):
            if draft.get(language):
                ctx.say(ctx._(label))
                ctx.say(draft[language])  # exactly what recipients will see
        audience, kind = Audience(draft["audience"]), Kind(draft["kind"])
        reach = await ctx.store.audience_size(audience, kind, ctx.today)
        lines = [
            ctx._("Audience: {audience}", audience=ctx._(AUDIENCE_LABELS[audience])),
            ctx._("Kind: {kind}", kind=ctx._(KIND_LABELS[kind])),
            ctx._("It will reach {n} people.", n=ctx.t.number(reach)),
        ]
        if kind is Kind.MARKETING:
            lines.append(
                ctx._(
                    "Marketing goes only to people who consented to it, and waits while it is 21:00 to 08:00 where they live."
                )
            )

        def mark(label: str, chosen: bool) -> str:
            return ("✓ " if chosen else "") + ctx._(label)

        rows: list[tuple[Button, ...]] = [
            (ctx.button(mark(label, a is audience), f"aud:{a}"),)
            for a, label in AUDIENCE_LABELS.items()
        ]
        rows.append(
            tuple(
                ctx.button(mark(label, k is kind), f"kind:{k}") for k, label in KIND_LABELS.items()
            )
        )
        rows.append(
            (
                ctx.button(ctx._("Send to {n} people", n=ctx.t.number(reach)), "confirm"),
                ctx.button(ctx._("Change the text"), "edit"),
                ctx.button(ctx._("Cancel"), "cancel"),
            )
        )
        ctx.say("\n".join(lines), buttons=tuple(rows))

    async def on_button(self, ctx: StepContext, choice: str) -> None:
        draft = ctx.session.answers["broadcast"]
        kind, _, value = choice.partition(":")
        if kind == "aud" and value in set(Audience):
            draft["audience"] = value
            await ctx.reprompt()
        elif kind == "kind" and value in set(Kind):
            draft["kind"] = value
            await ctx.reprompt()
        elif choice == "edit":
            await ctx.go(State.OP_BROADCAST_TEXT)
        elif choice == "cancel":
            ctx.session.answers.pop("broadcast", None)
            ctx.say(ctx._("Broadcast cancelled; nothing was sent."))
            ctx.move(State.OP_CONSOLE)
        elif choice == "confirm":
            await _confirm(ctx, draft)
        else:
            await super().on_button(ctx, choice)


async def _confirm(ctx: StepContext, draft: dict) -> None:
    staff = await staff_on_screen(ctx)
    ctx.changes.append(
        StartBroadcast(
            staff.platform_user_id,
            ctx.event.chat_id,
            ctx.session.locale,
            ctx.event.platform,
            draft.get("en"),
            draft.get("zh"),
            draft["audience"],
            draft["kind"],
        )
    )
    audit(
        ctx,
        staff,
        "broadcast",
        parameters=f"audience={draft['audience']} kind={draft['kind']}",
        result="queued",
    )
    ctx.session.answers.pop("broadcast", None)
    ctx.say(ctx._("Broadcast queued. A status message follows and is updated as it runs."))
    ctx.move(State.OP_CONSOLE)
