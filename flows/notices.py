"""What servicing tells a borrower outside a conversation: repayment reminders and the freeze
of their credit line. Pure wording, in their language, numbers and dates by Babel."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from flows.events import Button, Reply
from flows.global_buttons import repay_button
from flows.i18n import Texts, texts
from flows.reminder_plan import BEFORE, DUE, OVERDUE
from lending import servicing
from lending.close_of_business import prepare
from lending.servicing import Loan


def _(message: str, t: Texts, **values: object) -> str:
    """gettext with the message first, so `make catalogs` extracts it."""
    translated = t._(message)
    return translated.format(**values) if values else translated


def _headline(t: Texts, kind: str) -> str:
    if kind == DUE:
        return _("Your repayment is due today.", t)
    if kind.startswith(BEFORE):
        days = int(kind.removeprefix(BEFORE))
        if days == 1:
            return _("Reminder: your repayment is due tomorrow.", t)
        return _("Reminder: your repayment is due in {days} days.", t, days=days)
    days = int(kind.removeprefix(OVERDUE))
    return _("Your repayment is overdue. Days past due: {days}.", t, days=days)


def _loan_lines(t: Texts, loan: Loan, today: date) -> list[str]:
    now = prepare(loan, today)[0]
    if now.status != "active":
        return []
    lines = []
    overdue = [s for s in servicing.states(now) if s.is_overdue(today)]
    due = servicing.next_due(now, today)
    head = _(
        "Loan of {amount} from {date}:",
        t,
        amount=t.money(loan.schedule.principal_fen),
        date=t.date(loan.schedule.start),
    )
    if overdue:
        lines.append(
            head
            + " "
            + _(
                "overdue principal {principal}, interest {interest}, penalty {penalty}; pay {total} to be current.",
                t,
                principal=t.money(sum(s.principal_fen for s in overdue)),
                interest=t.money(sum(s.interest_fen for s in overdue)),
                penalty=t.money(sum(s.penalty_fen for s in overdue)),
                total=t.money(servicing.amount_due(now, today)),
            )
        )
    elif due is not None:
        lines.append(
            head
            + " "
            + _(
                "{amount} due on {date}.",
                t,
                amount=t.money(servicing.amount_due(now, due.due_date)),
                date=t.date(due.due_date),
            )
        )
    return lines


def reminder(locale: str, kind: str, loans: Sequence[Loan], today: date) -> Reply | None:
    """One message for all of a borrower's loans, headed by the most urgent reminder; None
    when nothing is owed any more (paid meanwhile)."""
    t = texts(locale)
    owed = [(loan, lines) for loan in loans if (lines := _loan_lines(t, loan, today))]
    if not owed:
        return None
    lines = [_headline(t, kind), *(line for _loan, body in owed for line in body)]
    lines.append(
        _(
            "Tap Repay (or send /repay) to pay now; early repayment is free. /reminders sets the hour.",
            t,
        )
    )
    return Reply("\n".join(lines), buttons=_repay_buttons(t, [loan for loan, _lines in owed]))


def _repay_buttons(t: Texts, loans: Sequence[Loan]) -> tuple[tuple[Button, ...], ...]:
    """A Repay button per loan owed, each opening the repay flow for its loan from any screen."""
    if len(loans) == 1:
        return ((repay_button(_("Repay", t), loans[0].loan_id),),)
    return tuple(
        (
            repay_button(
                _("Repay the loan of {amount}", t, amount=t.money(loan.schedule.principal_fen)),
                loan.loan_id,
            ),
        )
        for loan in loans
    )


def frozen_notice(locale: str, days_past_due: int) -> Reply:
    t = texts(locale)
    return Reply(
        _(
            "Your credit line is frozen because a repayment is {days} days overdue: no new drawdowns for now. Repay what is overdue (/repay) and it unfreezes at once.",
            t,
            days=days_past_due,
        )
    )


def unfrozen_notice(locale: str) -> Reply:
    t = texts(locale)
    return Reply(
        _("Thank you: your overdue repayment is settled and your credit line is open again.", t)
    )
