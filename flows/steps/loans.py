"""/loans: each loan with what is left and when the next payment is due."""

from __future__ import annotations

from flows.context import StepContext
from flows.notices import overdue_notice
from flows.steps.standing import line_and_loans
from lending import servicing


async def show_loans(ctx: StepContext) -> None:
    _, loans = await line_and_loans(ctx)
    if not loans:
        ctx.say(ctx._("You have no loans. Tap Borrow on the home menu when you need one."))
        return
    lines = [ctx._("Your loans:")]
    for number, loan in enumerate(loans, start=1):
        schedule = loan.schedule
        if loan.status == "closed":
            lines.append(
                ctx._(
                    "{n}. {amount} borrowed on {date}: repaid in full.",
                    n=number,
                    amount=ctx.t.money(schedule.principal_fen),
                    date=ctx.t.date(schedule.start),
                )
            )
            continue
        balances = servicing.balances(loan)
        due = servicing.next_due(loan, ctx.today)
        lines.append(
            ctx._(
                "{n}. {amount} borrowed on {date}, {term} months. Principal left: {left}.",
                n=number,
                amount=ctx.t.money(schedule.principal_fen),
                date=ctx.t.date(schedule.start),
                term=len(schedule.instalments),
                left=ctx.t.money(balances.principal_fen),
            )
        )
        late = overdue_notice(ctx.t, loan, ctx.today)
        if late is not None:
            lines.append("   " + late)
        elif due is not None:
            lines.append(
                ctx._(
                    "   Next payment: {amount} due {date}.",
                    amount=ctx.t.money(servicing.amount_due(loan, due.due_date)),
                    date=ctx.t.date(due.due_date),
                )
            )
    ctx.say("\n".join(lines))
