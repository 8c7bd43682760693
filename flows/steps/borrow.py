"""Drawdown: amount, term, a full disclosure, then Confirm exactly once."""

from __future__ import annotations

import hashlib
from typing import Any

from flows.changes import Audit, OpenLoan, RequestDrawdown
from flows.context import StepContext
from flows.i18n import N_, Texts
from flows.payments import sandbox_payout_reference
from flows.ports import CreditLine
from flows.states import State
from flows.steps.base import AmountStep, Step, button_number, choice_rows
from flows.steps.home import cancel_to_home, drawable_fen
from flows.steps.quote_day import mark_quoted, still_as_shown
from flows.steps.standing import line_and_loans
from lending import servicing
from lending.products import Refusal, check_offer
from lending.schedule import RepaymentMethod, Schedule, build_schedule

METHOD = RepaymentMethod.EQUAL_INSTALLMENT

REFUSAL_MESSAGES = {
    Refusal.AMOUNT_BELOW_MINIMUM: N_("The smallest drawdown is {min}."),
    Refusal.AMOUNT_ABOVE_MAXIMUM: N_(
        "The largest drawdown in this chat is {max}. Larger amounts need a manual review."
    ),
    Refusal.TERM_NOT_ALLOWED: N_("Please choose one of the terms offered."),
    Refusal.APR_ABOVE_CAP: N_(
        "The annual rate of this offer would be above our cap, so we cannot make it."
    ),
}
OTHER_REFUSAL = N_("We cannot make this offer. Please choose another amount or term.")


def _draft(ctx: StepContext) -> dict[str, Any]:
    draft: dict[str, Any] = ctx.session.answers.setdefault("draft", {})
    return draft


class Amount(AmountStep):
    state = State.BORROW_AMOUNT
    where = N_("Borrow: the amount")

    async def prompt(self, ctx: StepContext) -> None:
        line, loans = await line_and_loans(ctx)
        available = await drawable_fen(ctx, line, loans)
        product = ctx.config.product
        if available < product.drawdown_min_fen:
            ctx.say(
                ctx._(
                    "You cannot borrow right now: available credit {available}.",
                    available=ctx.t.money(available),
                )
            )
            ctx.move(State.HOME)
            return
        most = min(available, product.drawdown_max_fen)
        buttons = [
            self.amount_button(ctx, ctx.t.money(fen), fen)
            for fen in ctx.config.quick_amounts_fen
            if fen <= most
        ]
        ask = ctx._(
            "How much would you like to borrow? Tap an amount or type one between {min} and {max}.",
            min=ctx.t.money(product.drawdown_min_fen),
            max=ctx.t.money(most),
        )
        if product.needs_review(available) and await self._may_ask_for_review(ctx):
            ask += "\n" + ctx._(
                "Larger amounts, up to {available}, go to a person for review before they are paid out.",
                available=ctx.t.money(available),
            )
        ctx.say(ask, buttons=(tuple(buttons),) if buttons else ())

    @staticmethod
    async def _may_ask_for_review(ctx: StepContext) -> bool:
        return await ctx.store.pending_drawdown(ctx.session.user_id or 0) is None

    def button_bounds(self, ctx: StepContext) -> tuple[int, int]:
        return ctx.config.product.drawdown_min_fen, ctx.config.product.drawdown_max_fen

    async def take(self, ctx: StepContext, fen: int) -> None:
        product = ctx.config.product
        line, loans = await line_and_loans(ctx)
        available = await drawable_fen(ctx, line, loans)
        waiting = await ctx.store.pending_drawdown(ctx.session.user_id or 0)
        if product.needs_review(fen) and waiting is not None:
            ctx.say(
                ctx._(
                    "Your drawdown of {amount} already waits for a person's review. Until it is decided you can borrow up to {max} without a review.",
                    amount=ctx.t.money(waiting.amount_fen),
                    max=ctx.t.money(min(available, product.review_threshold_fen)),
                )
            )
        elif fen < product.drawdown_min_fen:
            ctx.say(
                ctx._(
                    REFUSAL_MESSAGES[Refusal.AMOUNT_BELOW_MINIMUM],
                    min=ctx.t.money(product.drawdown_min_fen),
                )
            )
        elif fen > available:
            ctx.say(
                ctx._(
                    "That is more than your available credit of {available}.",
                    available=ctx.t.money(available),
                )
            )
        elif fen > product.drawdown_ceiling_fen(fen, reviewed=True):
            ctx.say(
                ctx._(
                    REFUSAL_MESSAGES[Refusal.AMOUNT_ABOVE_MAXIMUM],
                    max=ctx.t.money(product.drawdown_max_fen),
                )
            )
        else:
            _draft(ctx)["amount_fen"] = fen
            await ctx.go(State.BORROW_TERM)


class Term(Step):
    state = State.BORROW_TERM
    where = N_("Borrow: the term")

    async def prompt(self, ctx: StepContext) -> None:
        options = [
            (ctx._("{months} months", months=months), f"t{months}")
            for months in ctx.config.product.terms
        ]
        ctx.say(
            ctx._(
                "Over how many months would you like to repay {amount}? Equal monthly instalments.",
                amount=ctx.t.money(_draft(ctx)["amount_fen"]),
            ),
            buttons=(tuple(ctx.button(label, choice) for label, choice in options),),
        )

    async def on_button(self, ctx: StepContext, choice: str) -> None:
        months = button_number(choice, "t")
        if months not in ctx.config.product.terms:
            await super().on_button(ctx, choice)
            return
        _draft(ctx)["term_months"] = months
        await ctx.go(State.BORROW_DISCLOSURE)


def _offer(ctx: StepContext, line: CreditLine | None) -> Schedule | None:
    draft = _draft(ctx)
    if line is None or "amount_fen" not in draft or "term_months" not in draft:
        return None
    return build_schedule(
        draft["amount_fen"], draft["term_months"], line.daily_rate, METHOD, ctx.today
    )


def disclosure(t: Texts, schedule: Schedule, reviewed: bool = False) -> list[str]:
    """The full disclosure of a drawdown, in `t`'s language: before Confirm, and in the notice
    of a drawdown a person approved (its schedule then counts from the payout day)."""

    def _(message: str, **values: object) -> str:
        return t._(message).format(**values)

    amount = t.money(schedule.principal_fen)
    rows = [
        _(
            "{n}. {date}: {amount} (principal {principal}, interest {interest})",
            n=i.number,
            date=t.date(i.due_date),
            amount=t.money(i.total_fen),
            principal=t.money(i.principal_fen),
            interest=t.money(i.interest_fen),
        )
        for i in schedule.instalments
    ]
    return [
        _("Amount: {amount}, paid to you once a person approves it", amount=amount)
        if reviewed
        else _("Amount: {amount}, paid to you now", amount=amount),
        _("Term: {months} months, equal instalments", months=len(schedule.instalments)),
        _("Daily rate: {daily}", daily=t.daily_rate(schedule.daily_rate)),
        _(
            "APR (annual rate by the IRR method: monthly rate x 12): {apr}",
            apr=t.percent(schedule.apr.apr),
        ),
        _(
            "Total interest: {interest} · Fees: {fees}",
            interest=t.money(schedule.total_interest_fen),
            fees=t.money(schedule.fee_fen),
        ),
        _("Total to repay: {total}", total=t.money(schedule.total_repayable_fen)),
        _("Repayment schedule:"),
        *rows,
        _("You can repay early at any time, paying interest only for the days used, with no fee."),
    ]


class Disclosure(Step):
    state = State.BORROW_DISCLOSURE
    where = N_("Borrow: check the terms and confirm")

    async def prompt(self, ctx: StepContext) -> None:
        line, _ = await line_and_loans(ctx)
        schedule = _offer(ctx, line)
        if schedule is None:
            await ctx.go(State.BORROW_AMOUNT)
            return
        product = ctx.config.product
        reviewed = product.needs_review(schedule.principal_fen)
        lines = [ctx._("Please read before you confirm:"), *disclosure(ctx.t, schedule, reviewed)]
        if reviewed:
            lines.insert(
                0,
                ctx._(
                    "Amounts above {threshold} are reviewed by a person first. Confirm sends the request; nothing is paid out or owed until it is approved.",
                    threshold=ctx.t.money(product.review_threshold_fen),
                ),
            )
        text = "\n".join(lines)
        mark_quoted(_draft(ctx), ctx.today)  # _offer's schedule starts today
        ctx.say(
            text,
            buttons=choice_rows(
                ctx,
                [(N_("Confirm"), "confirm"), (N_("Change"), "change"), (N_("Cancel"), "cancel")],
                per_row=3,
            ),
        )

    async def on_button(self, ctx: StepContext, choice: str) -> None:
        if choice == "change":
            await ctx.go(State.BORROW_AMOUNT)
        elif choice == "cancel":
            await cancel_to_home(ctx)
        elif choice == "confirm":
            await self._confirm(ctx)
        else:
            await super().on_button(ctx, choice)

    async def _confirm(self, ctx: StepContext) -> None:
        line, loans = await line_and_loans(ctx)
        schedule = _offer(ctx, line)
        if schedule is None or line is None:
            await ctx.go(State.BORROW_AMOUNT)
            return
        if not await still_as_shown(ctx, _draft(ctx)):
            return
        product = ctx.config.product
        reviewed = product.needs_review(schedule.principal_fen)
        refusals = check_offer(
            product,
            schedule.principal_fen,
            len(schedule.instalments),
            schedule.daily_rate,
            METHOD,
            start=schedule.start,
            reviewed=reviewed,
        )
        available = await drawable_fen(ctx, line, loans)
        if schedule.principal_fen > available:
            ctx.say(
                ctx._(
                    "That is more than your available credit of {available}.",
                    available=ctx.t.money(available),
                )
            )
            await ctx.go(State.BORROW_AMOUNT)
            return
        if refusals:
            for refusal in refusals:
                ctx.say(
                    ctx._(
                        REFUSAL_MESSAGES.get(refusal, OTHER_REFUSAL),
                        min=ctx.t.money(product.drawdown_min_fen),
                        max=ctx.t.money(product.drawdown_max_fen),
                    )
                )
            await ctx.go(State.BORROW_AMOUNT)
            return
        assert ctx.session.user_id is not None
        key = f"drawdown:{ctx.session.user_id}:{ctx.session.screen}"
        if reviewed:
            await self._ask_for_review(ctx, key, schedule)
            return
        loan_id = hashlib.sha256(key.encode()).hexdigest()[:12]
        loan = servicing.open_loan(loan_id, schedule, ctx.config.product)
        disbursement = servicing.disburse(loan, ctx.today, f"{loan_id}:disbursement")
        ctx.changes.append(
            OpenLoan(loan_id, key, schedule, len(schedule.instalments), disbursement)
        )
        ctx.changes.append(Audit("drawdown", f"loan={loan_id} principal={schedule.principal_fen}"))
        ctx.pending_loans[loan_id] = loan.with_entries([disbursement])
        ctx.session.answers.pop("draft", None)
        ctx.durable = True
        first = schedule.instalments[0]
        ctx.say(
            ctx._(
                "Done! {amount} has been paid out to you (sandbox payout {reference}: no real money moved).\nFirst payment: {first} on {date}. /loans shows your loans.",
                amount=ctx.t.money(schedule.principal_fen),
                reference=sandbox_payout_reference(loan_id),
                first=ctx.t.money(first.total_fen),
                date=ctx.t.date(first.due_date),
            )
        )
        await ctx.go(State.HOME)

    async def _ask_for_review(self, ctx: StepContext, key: str, schedule: Schedule) -> None:
        """Above the review threshold: the request joins /review; nothing is paid or owed yet."""
        if await ctx.store.pending_drawdown(ctx.session.user_id or 0) is not None:
            ctx.say(ctx._("A drawdown of yours already waits for review; nothing new was sent."))
            await ctx.go(State.HOME)
            return
        months = len(schedule.instalments)
        ctx.changes.append(
            RequestDrawdown(key, schedule.principal_fen, months, schedule.daily_rate)
        )
        ctx.changes.append(
            Audit("drawdown_review_requested", f"principal={schedule.principal_fen} term={months}")
        )
        ctx.session.answers.pop("draft", None)
        ctx.durable = True
        ctx.say(
            ctx._(
                "Sent for review: {amount} over {months} months. A person will look at it soon and you will be told here. Nothing is paid out or owed until it is approved.",
                amount=ctx.t.money(schedule.principal_fen),
                months=months,
            )
        )
        await ctx.go(State.HOME)
