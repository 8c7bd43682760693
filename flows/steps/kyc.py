"""Identity (KYC) in a few chat steps: legal name, resident ID number, own phone, income."""

from __future__ import annotations

from flows.changes import SaveIdentity
from flows.context import StepContext
from flows.events import SharedContact
from flows.i18n import N_
from flows.states import State
from flows.steps.base import Step
from flows.validation import (
    Invalid,
    example_mobile,
    parse_name,
    parse_phone,
    parse_resident_id,
    parse_yuan,
)

MAX_MONTHLY_INCOME_FEN = 100_000_000  # 1,000,000 CNY a month: above that, a typo is likelier
# Each says how to reach the account the number belongs to, and never whose it is: a stranger
# who types someone's ID number learns only that it cannot be used here.
ID_ALREADY_REGISTERED = N_(
    "This ID number is already used by another ChatLend account, so it cannot be used again. If that account is yours, please open ChatLend from the Telegram account you registered with. If you did not register it, send /complaint and we will look into it."
)
PHONE_ALREADY_REGISTERED = N_(
    "This phone number is already used by another ChatLend account, so it cannot be used again. If that account is yours, please open ChatLend from the Telegram account you registered with. If you did not register it, send /complaint and we will look into it."
)


class TextStep(Step):
    expects_buttons = False

    async def on_other(self, ctx: StepContext, what: str) -> None:
        await ctx.remind(ctx._("Please type your answer as text."))


class Name(TextStep):
    state = State.KYC_NAME
    where = N_("Identity: your legal name")

    async def prompt(self, ctx: StepContext) -> None:
        ctx.say(
            ctx._("What is your full legal name, as on your resident ID card?"),
            remove_keyboard=True,
        )

    async def on_text(self, ctx: StepContext, text: str) -> None:
        parsed = parse_name(text)
        if isinstance(parsed, Invalid):
            ctx.say(ctx._(parsed.reason))
            return
        ctx.changes.append(SaveIdentity(name=parsed.value))
        await ctx.go(State.KYC_ID)


class ResidentIdNumber(TextStep):
    state = State.KYC_ID
    where = N_("Identity: your resident ID number")

    async def prompt(self, ctx: StepContext) -> None:
        ctx.say(
            ctx._(
                "Please type your 18-character resident ID number. It is encrypted and only ever shown masked."
            )
        )

    async def on_text(self, ctx: StepContext, text: str) -> None:
        parsed = parse_resident_id(text, ctx.today, ctx.config.min_age, ctx.config.max_age)
        if isinstance(parsed, Invalid):
            ctx.say(ctx._(parsed.reason, min_age=ctx.config.min_age, max_age=ctx.config.max_age))
            return
        resident = parsed.value
        if await ctx.store.identity_taken(ctx.session.user_id, resident.number):
            ctx.say(ctx._(ID_ALREADY_REGISTERED))
            return
        ctx.changes.append(SaveIdentity(id_number=resident.number, birth_date=resident.birth_date))
        await ctx.go(State.KYC_PHONE)


class Phone(Step):
    state = State.KYC_PHONE
    where = N_("Identity: your phone number")

    async def prompt(self, ctx: StepContext) -> None:
        ctx.say(
            ctx._(
                "Please share your own phone number with the button below. We accept only the number of this account."
            ),
            contact_request=ctx._("Share my phone number"),
        )

    async def on_text(self, ctx: StepContext, text: str) -> None:
        await ctx.remind(
            ctx._(
                "For your safety we take the phone number only through the “Share my phone number” button, not as typed text."
            ),
            contact_request=ctx._("Share my phone number"),
        )

    async def on_contact(self, ctx: StepContext, contact: SharedContact) -> None:
        if contact.owner_user_id is None:
            # A contact card picked from the address book: it does not say whose number it is.
            self.ask_again(
                ctx,
                ctx._(
                    "This contact card does not show whose number it is. Please tap the “Share my phone number” button below: it sends the number of this Telegram account."
                ),
            )
            return
        if contact.owner_user_id != ctx.event.user_id:
            self.ask_again(
                ctx,
                ctx._(
                    "That is someone else's contact. Please tap the “Share my phone number” button below to share your own."
                ),
            )
            return
        parsed = parse_phone(contact.phone, ctx.config.phone_regions)
        if isinstance(parsed, Invalid):
            regions = ctx.config.phone_regions
            ctx.say(
                ctx._(
                    parsed.reason,
                    regions=ctx.t.regions(regions),
                    example=example_mobile(regions[0]) if regions else "",
                )
            )
            return
        if await ctx.store.phone_taken(ctx.session.user_id, parsed.value):
            ctx.say(ctx._(PHONE_ALREADY_REGISTERED))
            return
        ctx.changes.append(SaveIdentity(phone=parsed.value))
        ctx.say(ctx._("Thank you, your phone number is saved."), remove_keyboard=True)
        await ctx.go(State.KYC_EMPLOYMENT)

    async def on_other(self, ctx: StepContext, what: str) -> None:
        await ctx.remind(
            ctx._("Please use the “Share my phone number” button below."),
            contact_request=ctx._("Share my phone number"),
        )

    def ask_again(self, ctx: StepContext, why: str) -> None:
        """What was wrong, with the share button again (in one message)."""
        ctx.say(why, contact_request=ctx._("Share my phone number"))


class Income(TextStep):
    state = State.KYC_INCOME
    where = N_("Your monthly income")

    async def prompt(self, ctx: StepContext) -> None:
        ctx.say(
            ctx._("What is your monthly income after tax, in yuan? For example 8000, 8k or 12,000.")
        )

    async def on_text(self, ctx: StepContext, text: str) -> None:
        parsed = parse_yuan(text)
        if isinstance(parsed, Invalid):
            ctx.say(ctx._(parsed.reason))
            return
        if parsed.value > MAX_MONTHLY_INCOME_FEN:
            ctx.say(
                ctx._(
                    "That is more than {limit} a month. Please check the amount.",
                    limit=ctx.t.money(MAX_MONTHLY_INCOME_FEN),
                )
            )
            return
        ctx.session.answers["monthly_income_fen"] = parsed.value
        await ctx.go(State.Q_BALANCE)
