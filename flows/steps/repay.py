"""Repayment: what is due, what pays everything off today, then Confirm and a receipt."""

from __future__ import annotations

from datetime import date

from flows.changes import Audit, LiftArrearsFreeze, PostEntries, Reschedule
from flows.context import StepContext
from flows.i18n import N_
from flows.notices import cured_text
from flows.payments import sandbox_payment_reference
from flows.session import UserStatus
from flows.states import State
from flows.steps.base import AmountStep, Step, choice_rows
from flows.steps.home import cancel_to_home
from flows.steps.privacy import required_consent_withdrawn
from flows.steps.quote_day import mark_quoted, quoted_for_another_day, still_as_shown
from flows.steps.standing import line_and_loans
from lending import servicing
from lending.ledger import Entry
from lending.prepayment import (
    Keep,
    NotAPrepaymentError,
    PrepaymentPlan,
    plan_prepayment,
    prepay,
)
from lending.servicing import Loan


def _new_schedule_lines(ctx: StepContext, plan: PrepaymentPlan) -> list[str]:
    t = ctx.t
    lines = [
        ctx._(
            "Today: {due} due now, {interest} interest for the days used, {principal} off your principal.",
            due=t.money(plan.due_now_fen),
            interest=t.money(plan.interest_to_date_fen),
            principal=t.money(plan.principal_reduction_fen),
        ),
        ctx._("Your new repayment schedule:"),
    ]
    lines += [
        ctx._(
            "{n}. {date}: {amount} (principal {principal}, interest {interest})",
            n=k,
            date=t.date(i.due_date),
            amount=t.money(i.total_fen),
            principal=t.money(i.principal_fen),
            interest=t.money(i.interest_fen),
        )
        for k, i in enumerate(plan.new_instalments, start=1)
    ]
    lines.append(ctx._("Interest saved: {saved}", saved=t.money(plan.interest_saved_fen)))
    return lines


async def _target(ctx: StepContext) -> Loan | None:
    """The open loan whose next payment falls first: the one to repay now."""
    _, loans = await line_and_loans(ctx)
    open_loans = [loan for loan in loans if loan.status == "active"]
    if not open_loans:
        return None
    chosen = ctx.session.answers.get("draft", {}).get("loan_id")
    for loan in open_loans:
        if loan.loan_id == chosen:
            return loan

    def next_date(loan: Loan) -> date:
        due = servicing.next_due(loan, ctx.today)
        return due.due_date if due else date.max

    return min(open_loans, key=next_date)


class RepayAmount(AmountStep):
    state = State.REPAY_AMOUNT
    where = N_("Repay: the amount")

    async def prompt(self, ctx: StepContext) -> None:
        loan = await _target(ctx)
        if loan is None:
            ctx.say(ctx._("You have nothing to repay."))
            ctx.move(State.HOME)
            return
        ctx.session.answers["draft"] = {"loan_id": loan.loan_id}
        due_now = servicing.amount_due(loan, ctx.today)
        next_instalment = servicing.next_due(loan, ctx.today)
        payoff = servicing.payoff_quote(loan, ctx.today).total_fen
        next_amount = _next_amount(loan, ctx.today)
        lines = [
            ctx._(
                "Loan of {amount} from {date}.",
                amount=ctx.t.money(loan.schedule.principal_fen),
                date=ctx.t.date(loan.schedule.start),
            )
        ]
        if due_now > 0:
            lines.append(ctx._("Due now: {amount}.", amount=ctx.t.money(due_now)))
        elif next_instalment is not None:
            lines.append(
                ctx._(
                    "Next payment: {amount} due {date}.",
                    amount=ctx.t.money(next_amount),
                    date=ctx.t.date(next_instalment.due_date),
                )
            )
        lines.append(
            ctx._(
                "To repay everything today: {amount} (interest only for the days used, no fee).",
                amount=ctx.t.money(payoff),
            )
        )
        lines.append(ctx._("Tap an option or type another amount."))
        first = _first_amount(loan, ctx.today)
        buttons = [
            self.amount_button(ctx, ctx._("Pay off {amount}", amount=ctx.t.money(payoff)), payoff)
        ]
        if 0 < first < payoff:
            buttons.insert(
                0, self.amount_button(ctx, ctx._("Pay {amount}", amount=ctx.t.money(first)), first)
            )
        ctx.say("\n".join(lines), buttons=(tuple(buttons),))

    async def take(self, ctx: StepContext, fen: int) -> None:
        loan = await _target(ctx)
        if loan is None:
            await ctx.reprompt()
            return
        payoff = servicing.payoff_quote(loan, ctx.today).total_fen
        if fen <= 0:
            ctx.say(ctx._("Please enter an amount above zero."))
            return
        if fen > payoff:
            ctx.say(
                ctx._(
                    "That is more than you owe on this loan ({payoff}). Please pay at most that.",
                    payoff=ctx.t.money(payoff),
                )
            )
            return
        draft = {"loan_id": loan.loan_id, "amount_fen": fen}
        # What the amount pays, so a Confirm screen shown on a later day asks for that day's.
        if fen == payoff:
            draft[PAYS] = PAYS_OFF
        elif fen == _first_amount(loan, ctx.today):
            draft[PAYS] = PAYS_DUE
        mark_quoted(draft, ctx.today)
        ctx.session.answers["draft"] = draft
        # Up to the next instalment, a payment settles what falls due (held until its date,
        # so reminders stop); only money beyond it is a prepayment that re-amortises.
        if (
            fen < payoff
            and fen > _next_instalment_fen(loan, ctx.today)
            and _plan(loan, fen, ctx.today, Keep.TERM) is not None
        ):
            await ctx.go(State.REPAY_PREPAY_CHOICE)
        else:
            await ctx.go(State.REPAY_CONFIRM)


PAYS = "pays"  # the draft's key: the amount is the payoff, or what is due, on its quote day
PAYS_OFF = "payoff"
PAYS_DUE = "due"


def _next_amount(loan: Loan, on: date) -> int:
    """What the next payment will ask for on its date (the payoff when none is left)."""
    upcoming = servicing.next_due(loan, on)
    if upcoming is None:
        return servicing.payoff_quote(loan, on).total_fen
    return servicing.amount_due(loan, upcoming.due_date)


def _first_amount(loan: Loan, on: date) -> int:
    """The amount the repay screen offers first: what is due now, else the next payment."""
    due_now = servicing.amount_due(loan, on)
    return due_now if due_now > 0 else _next_amount(loan, on)


def _requote(loan: Loan, draft: dict[str, object], on: date) -> None:
    """The payoff or the amount due, as it is on `on`; another amount stays as typed."""
    if draft.get(PAYS) == PAYS_OFF:
        draft["amount_fen"] = servicing.payoff_quote(loan, on).total_fen
    elif draft.get(PAYS) == PAYS_DUE:
        draft["amount_fen"] = _first_amount(loan, on)


def _next_instalment_fen(loan: Loan, on: date) -> int:
    """What settles everything due now and the next instalment."""
    upcoming = servicing.next_due(loan, on)
    due_now = servicing.amount_due(loan, on)
    return max(due_now, servicing.amount_due(loan, upcoming.due_date) if upcoming else 0)


def _plan(loan: Loan, fen: int, on: date, keep: Keep) -> PrepaymentPlan | None:
    """The prepayment a payment of `fen` would be, or None when it is a plain repayment."""
    try:
        return plan_prepayment(loan, fen, on, keep)
    except NotAPrepaymentError:
        return None


def _keep(draft: dict[str, object]) -> Keep | None:
    value = draft.get("keep")
    return Keep(value) if value in {k.value for k in Keep} else None


class RepayPrepayChoice(Step):
    """A payment beyond what is due: it reduces principal today; the borrower chooses how the
    rest of the loan runs, seeing both before choosing."""

    state = State.REPAY_PREPAY_CHOICE
    where = N_("Repay: lower instalment or shorter term")

    async def prompt(self, ctx: StepContext) -> None:
        draft = ctx.session.answers.get("draft", {})
        loan = await _target(ctx)
        fen = int(draft.get("amount_fen", 0))
        plans = {keep: _plan(loan, fen, ctx.today, keep) for keep in Keep} if loan else {}
        if loan is None or None in plans.values():
            await ctx.go(State.REPAY_AMOUNT)
            return
        term, shorter = plans[Keep.TERM], plans[Keep.INSTALMENT]
        assert term is not None and shorter is not None
        t = ctx.t
        ctx.say(
            "\n".join(
                [
                    ctx._(
                        "You are paying {amount}: {principal} of it repays principal today, so you pay no more interest on it. How should the rest of the loan run?",
                        amount=t.money(fen),
                        principal=t.money(term.principal_reduction_fen),
                    ),
                    ctx._(
                        "Lower instalment: {count} payments of about {payment}, the last on {date}; saves {saved} of interest.",
                        count=len(term.new_instalments),
                        payment=t.money(_typical_payment(term)),
                        date=t.date(term.new_instalments[-1].due_date),
                        saved=t.money(term.interest_saved_fen),
                    ),
                    ctx._(
                        "Shorter term: {count} payments of about {payment}, the last on {date}; saves {saved} of interest.",
                        count=len(shorter.new_instalments),
                        payment=t.money(_typical_payment(shorter)),
                        date=t.date(shorter.new_instalments[-1].due_date),
                        saved=t.money(shorter.interest_saved_fen),
                    ),
                ]
            ),
            buttons=choice_rows(
                ctx,
                [
                    (N_("Lower instalment"), Keep.TERM.value),
                    (N_("Shorter term"), Keep.INSTALMENT.value),
                ],
            ),
        )

    async def on_button(self, ctx: StepContext, choice: str) -> None:
        draft = ctx.session.answers.get("draft", {})
        if choice not in {k.value for k in Keep} or "amount_fen" not in draft:
            await super().on_button(ctx, choice)
            return
        ctx.session.answers["draft"] = {**draft, "keep": choice}
        await ctx.go(State.REPAY_CONFIRM)


def _typical_payment(plan: PrepaymentPlan) -> int:
    """The payment most of the new instalments have (the first and last absorb odd days)."""
    totals = [i.total_fen for i in plan.new_instalments]
    middle = totals[1:-1] or totals
    return max(set(middle), key=middle.count)


class RepayConfirm(Step):
    state = State.REPAY_CONFIRM
    where = N_("Repay: confirm")

    async def prompt(self, ctx: StepContext) -> None:
        draft = ctx.session.answers.get("draft", {})
        keep = _keep(draft)
        loan = await _target(ctx) if keep is not None or PAYS in draft else None
        if loan is not None and quoted_for_another_day(draft, ctx.today):
            _requote(loan, draft, ctx.today)
        mark_quoted(draft, ctx.today)  # the plan below, too, is worked out for today
        fen = int(draft.get("amount_fen", 0))
        lines = [ctx._("Pay {amount} now from your sandbox account?", amount=ctx.t.money(fen))]
        if keep is not None:
            plan = _plan(loan, fen, ctx.today, keep) if loan is not None else None
            if plan is None:
                await ctx.go(State.REPAY_PREPAY_CHOICE)
                return
            lines += _new_schedule_lines(ctx, plan)
        ctx.say(
            "\n".join(lines),
            buttons=choice_rows(ctx, [(N_("Confirm"), "confirm"), (N_("Cancel"), "cancel")]),
        )

    async def on_button(self, ctx: StepContext, choice: str) -> None:
        if choice == "cancel":
            await cancel_to_home(ctx)
        elif choice == "confirm":
            await self._confirm(ctx)
        else:
            await super().on_button(ctx, choice)

    async def _confirm(self, ctx: StepContext) -> None:
        draft = ctx.session.answers.get("draft", {})
        loan = await _target(ctx)
        if loan is None or "amount_fen" not in draft:
            await ctx.go(State.REPAY_AMOUNT)
            return
        if not await still_as_shown(ctx, draft):
            return
        key = f"repay:{ctx.session.user_id}:{ctx.session.screen}"
        keep = _keep(draft)
        try:
            if keep is not None:
                plan = _plan(loan, int(draft["amount_fen"]), ctx.today, keep)
                if plan is None:
                    await ctx.go(State.REPAY_AMOUNT)
                    return
                result = prepay(loan, plan, key)
                ctx.changes.append(Reschedule(loan.loan_id, plan.schedule))
            else:
                result = servicing.repay(loan, int(draft["amount_fen"]), ctx.today, key)
                if result.loan.schedule != loan.schedule:  # principal returned before its due
                    ctx.changes.append(Reschedule(loan.loan_id, result.loan.schedule))
        except servicing.OverpaymentError as error:
            ctx.say(
                ctx._(
                    "That is more than you owe on this loan ({payoff}). Please pay at most that.",
                    payoff=ctx.t.money(error.payoff_fen),
                )
            )
            await ctx.go(State.REPAY_AMOUNT)
            return
        dpd = servicing.days_past_due(result.loan, ctx.today) if not result.closed else 0
        entries = await _to_post(ctx, result.loan, result.entries)
        ctx.changes.append(PostEntries(loan.loan_id, entries, result.loan.closed_through, dpd))
        ctx.changes.append(Audit("repayment", f"loan={loan.loan_id} amount={draft['amount_fen']}"))
        ctx.pending_loans[loan.loan_id] = result.loan
        cured = await _lift_cured_freeze(ctx)
        ctx.session.answers.pop("draft", None)
        ctx.durable = True
        a = result.allocation
        lines = [
            ctx._(
                "Payment received: {amount} (sandbox payment {reference}: no real money moved).",
                amount=ctx.t.money(a.received_fen),
                reference=sandbox_payment_reference(key),
            ),
            ctx._(
                "Applied to penalty {penalty}, interest {interest}, principal {principal}.",
                penalty=ctx.t.money(a.penalty_overdue_fen),
                interest=ctx.t.money(a.interest_overdue_fen + a.interest_current_fen),
                principal=ctx.t.money(a.principal_overdue_fen + a.principal_current_fen),
            ),
        ]
        if a.to_credit_fen:
            lines.append(
                ctx._(
                    "{amount} is held for your next payment.", amount=ctx.t.money(a.to_credit_fen)
                )
            )
        if result.closed:
            lines.append(ctx._("This loan is now repaid in full. Thank you!"))
        else:
            lines.append(
                ctx._(
                    "Principal left: {amount}.", amount=ctx.t.money(result.balances.principal_fen)
                )
            )
        if cured:
            lines.append(cured_text(ctx.t, required_consent_withdrawn(ctx.session.answers)))
        ctx.say("\n".join(lines))
        await ctx.go(State.HOME)


async def _to_post(ctx: StepContext, paid: Loan, made: tuple[Entry, ...]) -> tuple[Entry, ...]:
    """The payment's entries and, before them, what the screen caught the loan up by in memory
    (days close of business has not closed yet, and today's interest), as servicing.repay
    posts them for a loan it catches up itself. The payment marks the loan closed through
    yesterday, so the nightly job will not post those days' interest and penalty: they are
    posted here or never (they were lost, leaving a negative penalty and a loan still late)."""
    assert ctx.session.user_id is not None
    stored = [s for s in await ctx.store.loans(ctx.session.user_id) if s.loan_id == paid.loan_id]
    known = stored[0].keys if stored else frozenset()
    own = {entry.key for entry in made}
    caught_up = tuple(e for e in paid.entries if e.key not in known and e.key not in own)
    return caught_up + made


async def _lift_cured_freeze(ctx: StepContext) -> bool:
    """The payment just made cured the borrower (every open loan below the freeze threshold):
    the freeze close of business put on their line for days past due lifts now, in this
    transaction, not at the next night. An operator's freeze stays."""
    user = ctx.session.user_id
    if ctx.session.status is not UserStatus.FROZEN or user is None:
        return False
    if not await ctx.store.frozen_for_arrears(user):
        return False
    _, loans = await line_and_loans(ctx)  # with this payment (pending_loans)
    threshold = ctx.config.freeze_after_dpd
    if any(servicing.days_past_due(loan, ctx.today) >= threshold for loan in loans):
        return False
    ctx.changes.append(LiftArrearsFreeze())
    if await ctx.store.freeze_reason(user) is not None:
        return False  # frozen by an operator as well: the line stays closed
    ctx.session.status = UserStatus.ACTIVE
    return True
