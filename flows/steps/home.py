"""The home menu: the credit line at a glance and what the borrower can do next."""

from __future__ import annotations

from datetime import date

from flows.changes import RequestDrawdown
from flows.complaints import complaint
from flows.context import StepContext
from flows.help import help_
from flows.i18n import N_
from flows.notices import overdue_notice
from flows.ports import CreditLine, PendingDrawdown
from flows.session import UserStatus
from flows.states import State
from flows.steps.base import Step, choice_rows
from flows.steps.loans import show_loans
from flows.steps.privacy import required_consent_withdrawn, show_privacy
from flows.steps.standing import line_and_loans
from lending import servicing
from lending.servicing import Loan

NOT_STORED_YET = 0  # the request id of a request this step makes: ids start at 1


async def cancel_to_home(ctx: StepContext) -> None:
    """Leave a drawdown or a repayment before its Confirm: nothing happened, say so."""
    ctx.session.answers.pop("draft", None)
    ctx.say(ctx._("Cancelled. Nothing was borrowed or paid."), remove_keyboard=True)
    await ctx.go(State.HOME)


def credit_available(
    limit_fen: int, loans: list[Loan], status: str, answers: dict[str, object], today: date
) -> int:
    """What a borrower may draw: nothing while frozen (by an operator, or past due) or while a
    required consent is withdrawn. The same rule for their own Borrow and a reviewer's Approve."""
    frozen = (
        status == UserStatus.FROZEN
        or servicing.should_freeze(loans, today)
        or required_consent_withdrawn(answers)
    )
    return servicing.available_credit(limit_fen, loans, frozen=frozen)


def available_fen(ctx: StepContext, line: CreditLine, loans: list[Loan]) -> int:
    session = ctx.session
    return credit_available(line.limit_fen, loans, session.status, session.answers, ctx.today)


async def waiting_drawdown(ctx: StepContext) -> PendingDrawdown | None:
    """The drawdown that waits for review, the one this very step sent included: the home screen
    after that Confirm is drawn before the request is stored."""
    for change in ctx.changes:
        if isinstance(change, RequestDrawdown):
            return PendingDrawdown(NOT_STORED_YET, change.amount_fen, change.term_months)
    return await ctx.store.pending_drawdown(ctx.session.user_id or 0)


async def drawable_fen(ctx: StepContext, line: CreditLine | None, loans: list[Loan]) -> int:
    """Available credit less a drawdown that waits for review (it is spoken for)."""
    if line is None:
        return 0
    waiting = await waiting_drawdown(ctx)
    return max(available_fen(ctx, line, loans) - (waiting.amount_fen if waiting else 0), 0)


class Home(Step):
    state = State.HOME
    where = N_("Home menu")

    async def prompt(self, ctx: StepContext) -> None:
        line, loans = await line_and_loans(ctx)
        if line is None:
            ctx.say(ctx._("You have no credit line yet."))
            return
        lines = [
            ctx._("Your credit line"),
            ctx._(
                "Limit: {limit} · Available: {available}",
                limit=ctx.t.money(line.limit_fen),
                available=ctx.t.money(await drawable_fen(ctx, line, loans)),
            ),
            ctx._(
                "Daily rate {daily} · APR {apr} (annual rate of a 12-month loan in equal instalments)",
                daily=ctx.t.daily_rate(line.daily_rate),
                apr=ctx.t.percent(line.apr),
            ),
        ]
        # Overdue loans first thing under the line: what is late and how to put it right.
        lines += [n for loan in loans if (n := overdue_notice(ctx.t, loan, ctx.today))]
        waiting = await waiting_drawdown(ctx)
        if waiting is not None:
            lines.append(
                ctx._(
                    "Your drawdown of {amount} over {months} months waits for a person's review; you will be told here.",
                    amount=ctx.t.money(waiting.amount_fen),
                    months=waiting.term_months,
                )
            )
        if ctx.session.status is UserStatus.FROZEN:
            lines.append(
                ctx._("Your credit line is frozen: no new drawdowns. You can still repay.")
            )
            reason = await ctx.store.freeze_reason(ctx.session.user_id or 0)
            if reason:
                lines.append(ctx._("Reason: {reason}", reason=reason))
        if required_consent_withdrawn(ctx.session.answers):
            lines.append(
                ctx._(
                    "You withdrew a required consent: no new drawdowns. You can still repay; /privacy to give it again."
                )
            )
        ctx.say(
            "\n".join(lines),
            buttons=choice_rows(
                ctx,
                [
                    (N_("Borrow"), "borrow"),
                    (N_("My loans"), "loans"),
                    (N_("Repay"), "repay"),
                    (N_("Help"), "help"),
                    (N_("Privacy"), "privacy"),
                    (N_("Complaint"), "complaint"),
                ],
            ),
            remove_keyboard=False,
        )

    async def on_button(self, ctx: StepContext, choice: str) -> None:
        if choice == "borrow":
            await ctx.go(State.BORROW_AMOUNT)
        elif choice == "repay":
            await ctx.go(State.REPAY_AMOUNT)
        elif choice == "loans":
            await show_loans(ctx)
            await ctx.reprompt()  # the tapped menu is spent: a fresh one comes with the answer
        elif choice == "complaint":
            await complaint(ctx, "")
        elif choice == "help":
            await help_(ctx, "")
            await ctx.reprompt()
        elif choice == "privacy":
            await show_privacy(ctx)
        else:
            await super().on_button(ctx, choice)
