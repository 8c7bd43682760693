"""Drawdowns above the review threshold in /review: the card, and a reviewer's decision.

An approval pays out at once (loan, ledger entry, full disclosure to the borrower), under a key
made from the request, so it is paid once however often it is pressed or replayed; the schedule
counts from the payout day at the rate the borrower confirmed. Before paying, the borrower's
credit is checked again with the rule of their own Borrow: a frozen line, a withdrawn required
consent, or credit used meanwhile stop it, and the reviewer is told why.

A request that has left the queue was either decided by another reviewer or taken back by the
borrower: the reviewer is told which, and the audit says which.
"""

from __future__ import annotations

import hashlib
from datetime import date
from zoneinfo import ZoneInfo

from flows.changes import DecideDrawdown, Notice, OpenLoan, SendNotice
from flows.context import StepContext
from flows.i18n import texts
from flows.operators.access import Staff, audit, masked
from flows.operators.review_common import masked_person, notice_to, waiting_since
from flows.payments import sandbox_payout_reference
from flows.ports import DrawdownItem
from flows.steps.borrow import METHOD, disclosure
from flows.steps.home import credit_available
from lending import servicing
from lending.products import check_offer
from lending.schedule import Schedule, build_schedule


def borrower_today(ctx: StepContext, item: DrawdownItem) -> date:
    return ctx.now.astimezone(ZoneInfo(item.timezone)).date()


def schedule_of(ctx: StepContext, item: DrawdownItem) -> Schedule:
    """The schedule as it would be paid out today."""
    return build_schedule(
        item.amount_fen, item.term_months, item.daily_rate, METHOD, borrower_today(ctx, item)
    )


async def available_to(ctx: StepContext, item: DrawdownItem) -> int:
    """What the borrower may draw now, by the rule of their own Borrow (this request not
    counted: it is what would be paid)."""
    line = await ctx.store.credit_line(item.account.user_id)
    if line is None:
        return 0
    today = borrower_today(ctx, item)
    loans = [servicing.as_of(loan, today) for loan in await ctx.store.loans(item.account.user_id)]
    return credit_available(line.limit_fen, loans, item.account.status, item.answers, today)


async def drawdown_card(ctx: StepContext, item: DrawdownItem, more: int) -> str:
    t = ctx.t
    schedule = schedule_of(ctx, item)
    first = schedule.instalments[0]
    lines = [
        ctx._(
            "Drawdown request {number} · account id:{user} · waiting since {when}",
            number=item.request_id,
            user=item.account.user_id,
            when=waiting_since(ctx, item.queued_at),
        ),
        ctx._("Above the review threshold: a person decides before it is paid out"),
        *masked_person(item.identity),
        ctx._(
            "Asks {amount} over {months} months at a daily rate of {daily} (APR {apr})",
            amount=t.money(item.amount_fen),
            months=item.term_months,
            daily=t.daily_rate(item.daily_rate),
            apr=t.percent(schedule.apr.apr),
        ),
        ctx._(
            "Paid out today: first payment {first} on {date}, total to repay {total}",
            first=t.money(first.total_fen),
            date=t.date(first.due_date),
            total=t.money(schedule.total_repayable_fen),
        ),
        ctx._(
            "Credit line {limit} · available now {available}",
            limit=t.money(item.limit_fen),
            available=t.money(await available_to(ctx, item)),
        ),
        ctx._("Score {score} · grade {grade}", score=item.score or "-", grade=item.grade or "-"),
        ctx._("Reasons and rule hits: {codes}", codes=", ".join(item.reasons) or "-"),
    ]
    if more:
        lines.append(ctx._("{n} more waiting.", n=t.number(more)))
    return "\n".join(lines)


async def decide_drawdown(
    ctx: StepContext,
    staff: Staff,
    request_id: int,
    verb: str | None,
    reason: str,
    borrower: int | None = None,
) -> None:
    item = await ctx.store.drawdown_item(request_id)
    if item is None:
        if await ctx.store.drawdown_decided(request_id):
            ctx.say(ctx._("Someone else has decided this drawdown already; nothing was changed."))
            audit(ctx, staff, "drawdown_decision", result="already_decided")
            return
        # Its row, decided or not, goes only when the borrower deletes their account
        # (storage/privacy.py): a withdrawn consent leaves a request pending.
        ctx.say(
            ctx._("The borrower deleted their account meanwhile; nothing was paid out or changed.")
        )
        audit(ctx, staff, "drawdown_decision", target=borrower, result="account_deleted")
        return
    if verb == "info":
        ctx.changes.append(SendNotice(_notice(ctx, item, "info", _question(item, reason))))
        ctx.say(ctx._("The borrower was asked. The request stays in the queue."))
    elif verb == "approve":
        refusal = await _why_not_payable(ctx, item)
        if refusal is not None:
            ctx.say(refusal)
            audit(ctx, staff, "drawdown_approve", target=item.account.user_id, result="refused")
            return
        ctx.changes.append(_payout(ctx, item, reason))
        ctx.say(
            ctx._(
                "Approved and paid out: {amount} to account id:{user}. The borrower was told.",
                amount=ctx.t.money(item.amount_fen),
                user=item.account.user_id,
            )
        )
    elif verb == "decline":
        ctx.changes.append(_decline(ctx, item, reason))
        ctx.say(ctx._("Declined. The borrower was told why."))
    else:
        return
    audit(
        ctx,
        staff,
        f"drawdown_{verb}",
        target=item.account.user_id,
        parameters=f"request={item.request_id} amount={item.amount_fen} reason={masked(reason)}",
    )


async def _why_not_payable(ctx: StepContext, item: DrawdownItem) -> str | None:
    available = await available_to(ctx, item)
    if item.amount_fen > available:
        return ctx._(
            "This drawdown cannot be paid out now: the borrower's available credit is {available} (a frozen line or a withdrawn consent makes it 0). Decline it, or wait.",
            available=ctx.t.money(available),
        )
    schedule = schedule_of(ctx, item)
    product = ctx.config.product
    term = len(schedule.instalments)
    rate = schedule.daily_rate
    if check_offer(
        product, item.amount_fen, term, rate, METHOD, start=schedule.start, reviewed=True
    ):
        return ctx._("This drawdown cannot be paid out: its terms are outside the product's.")
    return None


def _payout(ctx: StepContext, item: DrawdownItem, reason: str) -> DecideDrawdown:
    key = f"drawdown-review:{item.request_id}"
    loan_id = hashlib.sha256(key.encode()).hexdigest()[:12]
    schedule = schedule_of(ctx, item)
    loan = servicing.open_loan(loan_id, schedule, ctx.config.product)
    paid = servicing.disburse(loan, schedule.start, f"{loan_id}:disbursement")
    t = texts(item.account.locale)
    told = "\n".join(
        [
            t._(
                "A person approved your drawdown: {amount} has been paid out to you (sandbox payout {reference}: no real money moved). Your loan's terms:"
            ).format(amount=t.money(item.amount_fen), reference=sandbox_payout_reference(loan_id)),
            *disclosure(t, schedule),
            t._("/loans shows your loans."),
        ]
    )
    return DecideDrawdown(
        item.request_id,
        item.account.user_id,
        "approved",
        reason,
        ctx.event.user_id,
        OpenLoan(loan_id, key, schedule, item.term_months, paid),
        _notice(ctx, item, "approved", told),
    )


def _decline(ctx: StepContext, item: DrawdownItem, reason: str) -> DecideDrawdown:
    t = texts(item.account.locale)
    told = t._(
        "A person reviewed your drawdown of {amount} over {months} months and could not approve it. Their note: {note}\nNothing was paid out or charged. Amounts up to {threshold} need no review."
    ).format(
        amount=t.money(item.amount_fen),
        months=item.term_months,
        note=reason,
        threshold=t.money(ctx.config.product.review_threshold_fen),
    )
    return DecideDrawdown(
        item.request_id,
        item.account.user_id,
        "declined",
        reason,
        ctx.event.user_id,
        None,
        _notice(ctx, item, "declined", told),
    )


def _question(item: DrawdownItem, question: str) -> str:
    t = texts(item.account.locale)
    return t._(
        "A person reviewing your drawdown of {amount} needs more information: {question}\nPlease answer with /complaint followed by the details."
    ).format(amount=t.money(item.amount_fen), question=question)


def _notice(ctx: StepContext, item: DrawdownItem, what: str, text: str) -> Notice:
    return notice_to(ctx, item.account, f"drawdown:{what}:{item.request_id}", text)
