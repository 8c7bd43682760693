"""Invite-only entry, the plain risk warning, and one screen per consent."""

from __future__ import annotations

from flows.changes import RecordConsent, UseInvite
from flows.consent import BY_STATE, CONSENT_TEXT_VERSION, Purpose, consent_text, text_hash
from flows.context import StepContext
from flows.i18n import N_
from flows.session import UserStatus
from flows.states import ONBOARDING_ORDER, State
from flows.steps.base import Step, choice_rows

MAX_INVITE_CHARS = 64


class NotAdmitted(Step):
    state = State.NEW
    where = N_("Invitation check")

    async def prompt(self, ctx: StepContext) -> None:
        ctx.say(
            ctx._(
                "This lending service is by invitation only. Please open the invite link you received, or send /start followed by your invite code. If you have no invite, ask an existing customer or our staff."
            )
        )

    async def on_text(self, ctx: StepContext, text: str) -> None:
        await self.prompt(ctx)

    async def on_button(self, ctx: StepContext, choice: str) -> None:
        await self.prompt(ctx)

    async def on_other(self, ctx: StepContext, what: str) -> None:
        await self.prompt(ctx)


async def redeem_invite(ctx: StepContext, code: str) -> None:
    invite = None
    if code and len(code) <= MAX_INVITE_CHARS:
        invite = await ctx.store.find_invite(code)
    if invite is None:
        if code:
            ctx.say(ctx._("This invite code is not valid."))
        await NotAdmitted().prompt(ctx)
        return
    if not invite.usable(ctx.now):
        ctx.say(ctx._("This invite has expired or has been used up. Please ask for a new one."))
        return
    ctx.changes.append(UseInvite(invite.code))
    ctx.session.status = UserStatus.ACTIVE
    ctx.session.answers["invited_by"] = invite.inviter
    await ctx.go(State.INTRO)


class Intro(Step):
    state = State.INTRO
    where = N_("Introduction and risk warning")

    async def prompt(self, ctx: StepContext) -> None:
        ctx.say(
            ctx._(
                "Welcome! {lender} offers personal credit lines in this chat. This is a sandbox: no real money moves.\n\n"
                "Before you start, please know:\n"
                "• Borrowing costs money. We always show the daily rate and the annual rate (APR) before you borrow.\n"
                "• Late repayment adds penalty interest and may harm your credit record.\n"
                "• Borrow only what you can repay from your income. Never borrow to repay other loans.\n"
                "• We never ask for passwords or verification codes, and never contact your friends or family.",
                lender=ctx._(ctx.config.lender_name),
            ),
            buttons=choice_rows(ctx, [(N_("Continue"), "continue")]),
        )

    async def on_button(self, ctx: StepContext, choice: str) -> None:
        if choice == "continue":
            await ctx.go(State.CONSENT_ASSESSMENT)
        else:
            await super().on_button(ctx, choice)


class ConsentStep(Step):
    where = N_("Consents")

    def __init__(self, state: State) -> None:
        self.state = state

    @property
    def purpose(self) -> Purpose:
        return BY_STATE[self.state]

    async def prompt(self, ctx: StepContext) -> None:
        ctx.say(
            consent_text(ctx.t, self.purpose),
            buttons=choice_rows(ctx, [(N_("Agree"), "agree"), (N_("Decline"), "decline")]),
        )

    async def on_button(self, ctx: StepContext, choice: str) -> None:
        if choice not in ("agree", "decline"):
            await super().on_button(ctx, choice)
            return
        granted = choice == "agree"
        text = consent_text(ctx.t, self.purpose)
        ctx.changes.append(
            RecordConsent(
                self.purpose.code,
                granted,
                CONSENT_TEXT_VERSION,
                text_hash(text),
                ctx.session.locale,
            )
        )
        ctx.session.answers.setdefault("consents", {})[self.purpose.code] = granted
        if self.purpose.required and not granted:
            await ctx.go(State.CONSENT_DECLINED)
            return
        ctx.say(ctx._("Recorded: you agreed.") if granted else ctx._("Recorded: you declined."))
        await ctx.go(ONBOARDING_ORDER[ONBOARDING_ORDER.index(self.state) + 1])


class ConsentDeclined(Step):
    state = State.CONSENT_DECLINED
    where = N_("Stopped: a required consent was declined")

    async def prompt(self, ctx: StepContext) -> None:
        ctx.say(
            ctx._(
                "Understood. Without this consent we cannot assess an application, so we stop here. Nothing more will be collected. If you change your mind, send /start to see the consents again."
            ),
            remove_keyboard=True,
        )

    async def on_text(self, ctx: StepContext, text: str) -> None:
        await self.prompt(ctx)
