"""What servicing tells a borrower outside a conversation: repayment reminders and the freeze
of their credit line. Pure wording, in their language, numbers and dates by Babel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

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


def _headline(t: Texts, kind: str, days_past_due: int) -> str:
    """The reminder's first line. Overdue anywhere wins over the reminder's own instalment: a
    borrower late on an earlier instalment (or another loan) is told so, with the count the
    home screen shows (`overdue_notice`), not "due in 3 days" or the days of this instalment."""
    if days_past_due > 0:
        return _("Your repayment is overdue. Days past due: {days}.", t, days=days_past_due)
    if kind == DUE:
        return _("Your repayment is due today.", t)
    if kind.startswith(BEFORE):
        days = int(kind.removeprefix(BEFORE))
        if days == 1:
            return _("Reminder: your repayment is due tomorrow.", t)
        return _("Reminder: your repayment is due in {days} days.", t, days=days)
    days = int(kind.removeprefix(OVERDUE))
    return _("Your repayment is overdue. Days past due: {days}.", t, days=days)


@dataclass(frozen=True, slots=True)
class Overdue:
    """What a loan owes late, during day `today`: the sums of its overdue instalments."""

    principal_fen: int
    interest_fen: int
    penalty_fen: int
    total_fen: int  # what makes the loan current again
    days_past_due: int


def overdue_of(loan: Loan, today: date) -> Overdue | None:
    """None unless some instalment of this (brought-up-to-today) loan is overdue."""
    if loan.status != "active":
        return None
    late = [s for s in servicing.states(loan) if s.is_overdue(today)]
    if not late:
        return None
    return Overdue(
        principal_fen=sum(s.principal_fen for s in late),
        interest_fen=sum(s.interest_fen for s in late),
        penalty_fen=sum(s.penalty_fen for s in late),
        total_fen=servicing.owed_by(loan, today),  # the loan is brought up to today
        days_past_due=servicing.days_past_due(loan, today),
    )


def overdue_notice(t: Texts, loan: Loan, today: date) -> str | None:
    """The overdue notice of /loans and the home screen: what is late, for how long, how to
    repay."""
    late = overdue_of(loan, today)
    if late is None:
        return None
    return _(
        "Overdue by {days} days: principal {principal}, interest {interest}, penalty {penalty}. Pay {total} to be current: tap Repay or send /repay.",
        t,
        days=late.days_past_due,
        principal=t.money(late.principal_fen),
        interest=t.money(late.interest_fen),
        penalty=t.money(late.penalty_fen),
        total=t.money(late.total_fen),
    )


def _standing(loan: Loan, today: date) -> Loan:
    """The loan as it stands today, as the home screen reads it (`servicing.as_of`). Closed
    through yesterday (the nightly job's mark), it is taken as it is: what bringing it forward
    would add (today's interest accrual) changes no figure a reminder shows."""
    closed = loan.closed_through
    if closed is not None and closed >= today - timedelta(days=1):
        return loan
    return prepare(loan, today)[0] if loan.status == "active" else loan


def _loan_lines(t: Texts, loan: Loan, today: date) -> list[str]:
    """`loan`: brought to today (`_standing`)."""
    if loan.status != "active":
        return []
    head = _(
        "Loan of {amount} from {date}:",
        t,
        amount=t.money(loan.schedule.principal_fen),
        date=t.date(loan.schedule.start),
    )
    late = overdue_of(loan, today)
    if late is not None:
        return [
            head
            + " "
            + _(
                "overdue principal {principal}, interest {interest}, penalty {penalty}; pay {total} to be current.",
                t,
                principal=t.money(late.principal_fen),
                interest=t.money(late.interest_fen),
                penalty=t.money(late.penalty_fen),
                total=t.money(late.total_fen),
            )
        ]
    due = servicing.next_due(loan, today)
    if due is None:
        return []
    return [
        head
        + " "
        + _(
            "{amount} due on {date}.",
            t,
            # Nothing is overdue (else the branch above), so no penalty can accrue by then.
            amount=t.money(servicing.owed_by(loan, due.due_date)),
            date=t.date(due.due_date),
        )
    ]


def reminder(locale: str, kind: str, loans: Sequence[Loan], today: date) -> Reply | None:
    """One message for all of a borrower's loans, headed by the most urgent reminder; None
    when nothing is owed any more (paid meanwhile)."""
    t = texts(locale)
    standing = [_standing(loan, today) for loan in loans]
    owed = [(loan, lines) for loan in standing if (lines := _loan_lines(t, loan, today))]
    if not owed:
        return None
    late = max(servicing.days_past_due(loan, today) for loan in standing)
    lines = [_headline(t, kind, late), *(line for _loan, body in owed for line in body)]
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


def frozen_notice(locale: str, days_past_due: int, *, operator_frozen: bool) -> Reply:
    """`operator_frozen`: the lender froze the line as well, so repaying alone will not open it
    and the notice must not promise that."""
    t = texts(locale)
    if operator_frozen:
        return Reply(
            _(
                "Your credit line is frozen because a repayment is {days} days overdue: no new drawdowns for now. It is also frozen by the lender's decision, so repaying what is overdue (/repay) will not open it by itself.",
                t,
                days=days_past_due,
            )
        )
    return Reply(
        _(
            "Your credit line is frozen because a repayment is {days} days overdue: no new drawdowns for now. Repay what is overdue (/repay) and it unfreezes at once.",
            t,
            days=days_past_due,
        )
    )


def cured_text(t: Texts, consent_withdrawn: bool) -> str:
    """The arrears freeze lifted. "Open again" only when nothing else stops a drawdown: a
    withdrawn required consent still does, and the borrower is told how to give it again."""
    if consent_withdrawn:
        return _(
            "Thank you: your overdue repayment is settled and the freeze on your credit line is lifted. You withdrew a required consent, so there are still no new drawdowns: /privacy to give it again.",
            t,
        )
    return _("Thank you: your overdue repayment is settled and your credit line is open again.", t)


def unfrozen_notice(locale: str, *, consent_withdrawn: bool) -> Reply:
    return Reply(cured_text(texts(locale), consent_withdrawn))
