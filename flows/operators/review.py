"""/review: one queue of what waits for a person, and a reviewer's decision with its reason."""

from __future__ import annotations

from datetime import date, timedelta
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

RETRY_AFTER_REVIEW_DAYS = 30
VERBS = ("approve", "decline", "info")
APPROVED_BY_A_PERSON = N_("Good news: a person reviewed your application and approved it.")
# The same words as an automatic approval (flows/steps/decision.py), so both read alike.
APPROVAL = N_(
    "Approved! Your credit line is {limit}, grade {grade}.\nDaily rate {daily} · APR {apr} (annual rate, compounded)\nThis offer is valid until {until}. Nothing is borrowed until you choose to."
)


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
    ctx.session.answers["review"] = {which: picked, "verb": verb}
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
            await decide_drawdown(ctx, staff, int(chosen["drawdown"]), chosen.get("verb"), reason)
            return
        item = await ctx.store.review_item(int(chosen.get("user", 0)))
        ctx.move(State.OP_CONSOLE)
        if item is None:
            ctx.say(
                ctx._("Someone else has decided this application already; nothing was changed.")
            )
            audit(ctx, staff, "review_decision", result="already_decided")
            return
        verb = chosen.get("verb")
        if verb == "info":
            ctx.changes.append(SendNotice(_notice(ctx, item, "info", _question(item, reason))))
            ctx.say(ctx._("The applicant was asked. The application stays in the queue."))
        elif verb == "approve" and item.decision.get("offer"):
            ctx.changes.append(_approval(ctx, item, reason))
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


def _notice(ctx: StepContext, item: ReviewItem, what: str, text: str) -> Notice:
    return notice_to(ctx, item.account, f"review:{what}:{item.application_id}", text)


def _question(item: ReviewItem, reason: str) -> str:
    t = texts(item.account.locale)
    return t._(
        "A person reviewing your application needs more information: {question}\nPlease answer with /complaint followed by the details."
    ).format(question=reason)


def _approval(ctx: StepContext, item: ReviewItem, reason: str) -> DecideReview:
    offer = item.decision["offer"]
    t = texts(item.account.locale)
    until = date.fromisoformat(offer["valid_until"]) if offer.get("valid_until") else None
    told = (
        t._(APPROVED_BY_A_PERSON)
        + "\n"
        + t._(APPROVAL).format(
            limit=t.money(int(offer["limit_fen"])),
            grade=offer["grade"],
            daily=t.daily_rate(Decimal(offer["daily_rate"])),
            apr=t.percent(Decimal(offer["apr"])),
            until=t.date(until) if until else "-",
        )
    )
    return DecideReview(
        item.application_id,
        item.account.user_id,
        "approved",
        reason,
        ctx.event.user_id,
        {"outcome": "approved", "reviewed": True},
        dict(offer),
        _notice(ctx, item, "approved", told),
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
