"""/review: one queue of what waits for a person, and a reviewer's decision with its reason."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flows.changes import DecideReview, Notice, SendNotice
from flows.context import StepContext
from flows.i18n import N_, Texts, texts
from flows.operators.access import Staff, audit, masked, staff_on_screen
from flows.operators.drawdown_review import decide_drawdown, drawdown_card
from flows.operators.entry import enter
from flows.operators.review_common import masked_person, notice_to, verb_buttons, waiting_since
from flows.ports import DrawdownItem, ReviewItem
from flows.states import State
from flows.steps.base import Step, button_number
from flows.steps.home import credit_available
from flows.steps.privacy import required_consent_withdrawn_in
from flows.steps.standing import brought_to
from risk.policy import DEFAULT_POLICY

RETRY_AFTER_REVIEW_DAYS = 30
VERBS = ("approve", "decline", "info")
APPROVED_BY_A_PERSON = N_("Good news: a person reviewed your application and approved it.")
# The same words as an automatic approval (flows/steps/decision.py), so both read alike.
APPROVAL = N_(
    "Approved! Your credit line is {limit}, grade {grade}.\nDaily rate {daily} · APR {apr} (annual rate of a 12-month loan in equal instalments)\nThis offer is valid until {until}. Nothing is borrowed until you choose to."
)
# The words of the home screen (flows/steps/home.py) for a frozen line.
FROZEN = N_("Your credit line is frozen: no new drawdowns. You can still repay.")
FROZEN_REASON = N_("Reason: {reason}")


async def review(ctx: StepContext, arg: str, staff: Staff) -> None:
    if not await enter(ctx, State.OP_CONSOLE):
        audit(ctx, staff, "review", result="busy")
        return
    audit(ctx, staff, "review")
    queue = await ctx.store.review_queue(20)
    if not queue:
        ctx.say(ctx._("Nothing waits for review."))
        return
    item = queue[0]
    ctx.session.screen += 1  # buttons of an older card are stale now
    if isinstance(item, DrawdownItem):
        ctx.say(
            await drawdown_card(ctx, item, len(queue) - 1),
            buttons=(tuple(verb_buttons(ctx, "rd", item.request_id)),),
        )
        return
    buttons = verb_buttons(ctx, "rv", item.account.user_id)
    if not item.decision.get("offer"):
        buttons = buttons[1:]  # nothing was priced: a person can uphold, or ask, not approve
    ctx.say(card(ctx, item, len(queue) - 1), buttons=(tuple(buttons),))


def card(ctx: StepContext, item: ReviewItem, more: int) -> str:
    t, inputs = ctx.t, item.inputs
    lines = [
        ctx._(
            "Application {app} · account id:{user} · waiting since {when}",
            app=item.application_id,
            user=item.account.user_id,
            when=waiting_since(ctx, item.queued_at),
        ),
        ctx._("Sent to a person by the scorecard")
        if item.outcome == "review"
        else ctx._("Declined automatically; the applicant asked for a human review"),
    ]
    lines.extend(masked_person(item.identity))
    lines.append(
        ctx._(
            "Age {age} · income {income} a month · asks {amount} over {term} months",
            age=inputs.get("age", "?"),
            income=_money(t, inputs.get("monthly_income_fen")),
            amount=_money(t, inputs.get("requested_amount_fen")),
            term=inputs.get("requested_term_months", "?"),
        )
    )
    lines.append(ctx._("Score {score} · grade {grade}", score=item.score, grade=item.grade or "-"))
    lines.append(ctx._("Reasons and rule hits: {codes}", codes=", ".join(item.reasons) or "-"))
    offer = item.decision.get("offer")
    if offer:
        lines.append(
            ctx._(
                "Offer on approval: {limit} at APR {apr}",
                limit=t.money(int(offer["limit_fen"])),
                apr=t.percent(Decimal(offer["apr"])),
            )
        )
    if more:
        lines.append(ctx._("{n} more waiting.", n=t.number(more)))
    return "\n".join(lines)


def _money(t: Texts, fen: str | None) -> str:
    return t.money(int(fen)) if fen and fen.isdigit() else "?"


async def pick(ctx: StepContext, choice: str) -> bool:
    """A card's button on the console: ask for the reason. False if it is not a card's."""
    kind, _, rest = choice.partition(":")
    verb, _, number = rest.partition(":")
    which = {"rv": "user", "rd": "drawdown"}.get(kind)
    picked = button_number(number, "")
    if which is None or verb not in VERBS or picked is None:
        return False
    chosen: dict[str, object] = {which: picked, "verb": verb}
    # Who or what the card was about, while it waits: if it leaves the queue before the reason
    # is typed, these tell a decision by another reviewer from the borrower's withdrawal.
    if which == "user" and (application := await ctx.store.review_item(picked)) is not None:
        chosen["application"] = application.application_id
    if which == "drawdown" and (drawdown := await ctx.store.drawdown_item(picked)) is not None:
        chosen["borrower"] = drawdown.account.user_id
    ctx.session.answers["review"] = chosen
    await ctx.go(State.OP_REVIEW_REASON)
    return True


class ReviewReason(Step):
    state = State.OP_REVIEW_REASON
    where = N_("Review: the reason for the decision")
    expects_buttons = False

    async def prompt(self, ctx: StepContext) -> None:
        ctx.say(
            ctx._(
                "Type a short reason. It is recorded with the decision; a decline's reason and a question are sent to the applicant. /cancel goes back."
            )
        )

    async def on_text(self, ctx: StepContext, text: str) -> None:
        reason = " ".join(text.split())
        if not 3 <= len(reason) <= 300:
            ctx.say(ctx._("Please give a reason of 3 to 300 characters."))
            return
        chosen = ctx.session.answers.pop("review", {})
        staff = await staff_on_screen(ctx)
        if "drawdown" in chosen:
            ctx.move(State.OP_CONSOLE)
            borrower = chosen.get("borrower")
            await decide_drawdown(
                ctx,
                staff,
                int(chosen["drawdown"]),
                chosen.get("verb"),
                reason,
                int(borrower) if borrower is not None else None,
            )
            return
        user_id = int(chosen.get("user", 0))
        item = await ctx.store.review_item(user_id)
        ctx.move(State.OP_CONSOLE)
        if item is None:
            application = chosen.get("application")
            await _gone(ctx, staff, user_id, None if application is None else int(application))
            return
        verb = chosen.get("verb")
        if verb == "info":
            ctx.changes.append(SendNotice(_notice(ctx, item, "info", _question(item, reason))))
            ctx.say(ctx._("The applicant was asked. The application stays in the queue."))
        elif verb == "approve" and item.decision.get("offer"):
            frozen = not await _can_borrow(ctx, item)
            freeze_reason = await ctx.store.freeze_reason(user_id) if frozen else None
            ctx.changes.append(_approval(ctx, item, reason, frozen, freeze_reason))
            if frozen:
                ctx.say(
                    ctx._(
                        "Approved. The applicant was told; their line is frozen, so they cannot borrow until it is unfrozen."
                    )
                )
            else:
                ctx.say(ctx._("Approved. The applicant was told and can borrow now."))
        elif verb == "decline":
            ctx.changes.append(_decline(ctx, item, reason))
            ctx.say(ctx._("Declined. The applicant was told why and when to apply again."))
        else:
            ctx.say(ctx._("This application cannot be approved here: it has no priced offer."))
            audit(ctx, staff, "review_decision", target=item.account.user_id, result="invalid")
            return
        audit(
            ctx,
            staff,
            f"review_{verb}",
            target=item.account.user_id,
            parameters=f"application={item.application_id} reason={masked(reason)}",
        )


async def _gone(ctx: StepContext, staff: Staff, user_id: int, application_id: int | None) -> None:
    """The application left the queue before the reason was typed: say who took it out."""
    # Unknown when the card had left the queue before it was pressed: then what follows says
    # only what is still true.
    if application_id is not None and await ctx.store.application_decided(application_id):
        ctx.say(ctx._("Someone else has decided this application already; nothing was changed."))
        audit(ctx, staff, "review_decision", target=user_id, result="already_decided")
        return
    if not await ctx.store.find_accounts("", None, user_id):
        ctx.say(ctx._("The applicant deleted their account meanwhile; nothing was changed."))
        # Whether another reviewer decided first is gone with the account's decisions.
        audit(ctx, staff, "review_decision", target=user_id, result="account_deleted")
        return
    if required_consent_withdrawn_in(await ctx.store.consents(user_id)):
        ctx.say(
            ctx._(
                "The applicant withdrew a required consent meanwhile, which withdrew this application; nothing was changed."
            )
        )
        audit(ctx, staff, "review_decision", target=user_id, result="withdrawn")
        return
    # Neither decided nor withdrawn: the applicant is elsewhere for now (writing a complaint).
    ctx.say(ctx._("This application is not waiting for review just now; nothing was changed."))
    audit(ctx, staff, "review_decision", target=user_id, result="not_waiting")


async def _can_borrow(ctx: StepContext, item: ReviewItem) -> bool:
    """Whether the line this approval opens can be drawn on now, by the rule of Borrow. A
    withdrawn required consent takes an applicant out of the queue (flows/steps/privacy.py),
    so what can stop them here is a frozen line."""
    user_id = item.account.user_id
    loans = [brought_to(loan, ctx.today) for loan in await ctx.store.loans(user_id)]
    limit = int(item.decision["offer"]["limit_fen"])
    return credit_available(limit, loans, item.account.status, {}, ctx.today) > 0


def _notice(ctx: StepContext, item: ReviewItem, what: str, text: str) -> Notice:
    return notice_to(ctx, item.account, f"review:{what}:{item.application_id}", text)


def _question(item: ReviewItem, reason: str) -> str:
    t = texts(item.account.locale)
    return t._(
        "A person reviewing your application needs more information: {question}\nPlease answer with /complaint followed by the details."
    ).format(question=reason)


def _approval(
    ctx: StepContext, item: ReviewItem, reason: str, frozen: bool, freeze_reason: str | None
) -> DecideReview:
    # The scorecard's date may have passed while the application waited: an approval is a new
    # offer, valid for the policy's days from the day it is given.
    until = ctx.today + timedelta(days=DEFAULT_POLICY.valid_days)
    offer = {**item.decision["offer"], "valid_until": until.isoformat()}
    t = texts(item.account.locale)
    told = [
        t._(APPROVED_BY_A_PERSON),
        t._(APPROVAL).format(
            limit=t.money(int(offer["limit_fen"])),
            grade=offer["grade"],
            daily=t.daily_rate(Decimal(offer["daily_rate"])),
            apr=t.percent(Decimal(offer["apr"])),
            until=t.date(until),
        ),
    ]
    if frozen:
        told.append(t._(FROZEN))
        if freeze_reason:
            told.append(t._(FROZEN_REASON).format(reason=freeze_reason))
    return DecideReview(
        item.application_id,
        item.account.user_id,
        "approved",
        reason,
        ctx.event.user_id,
        {"outcome": "approved", "reviewed": True},
        offer,
        _notice(ctx, item, "approved", "\n".join(told)),
    )


def _decline(ctx: StepContext, item: ReviewItem, reason: str) -> DecideReview:
    t = texts(item.account.locale)
    retry_on = ctx.today + timedelta(days=RETRY_AFTER_REVIEW_DAYS)
    reasons = [str(r) for r in item.decision.get("reasons", [])]
    listed = "\n".join(f"• {t._(r)}" for r in reasons) or "•"
    told = t._(
        "A person reviewed your application and could not approve it. Their note: {note}\nThe main reasons:\n{reasons}\nYou may apply again from {date}."
    ).format(note=reason, reasons=listed, date=t.date(retry_on))
    return DecideReview(
        item.application_id,
        item.account.user_id,
        "declined",
        reason,
        ctx.event.user_id,
        {
            "outcome": "declined",
            "reasons": reasons,
            "retry_on": retry_on.isoformat(),
            "reviewed": True,
        },
        None,
        _notice(ctx, item, "declined", told),
    )
