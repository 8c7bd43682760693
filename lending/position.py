"""Where a loan stands, read from its schedule and its ledger entries alone.

Each instalment's outstanding principal, interest and penalty is the balance of its own ledger
accounts ("principal:3"...), so the allocation of every fen can be audited from the entries.
Interest accrues day by day as a share of the instalment's scheduled interest: through day d of a
period of D days, round_half_up(interest x d / D) has been earned, which reaches the scheduled
figure exactly on the due date and is what "interest only for days used" means on a payoff.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from lending.ledger import (
    BORROWER_CREDIT,
    INTEREST,
    PENALTY,
    PRINCIPAL,
    Entry,
    split_receivable,
)
from lending.money import round_fen
from lending.schedule import Instalment, Schedule

ACCRUAL = "accrual"


@dataclass(frozen=True, slots=True)
class InstalmentState:
    instalment: Instalment
    principal_fen: int  # outstanding
    interest_fen: int  # accrued and not yet paid, waived or written off
    penalty_fen: int  # outstanding
    interest_accrued_fen: int  # accrued so far, paid or not

    @property
    def number(self) -> int:
        return self.instalment.number

    @property
    def due_date(self) -> date:
        return self.instalment.due_date

    @property
    def interest_unsettled_fen(self) -> int:
        """Scheduled interest not yet paid or waived, accrued or not."""
        cleared = self.interest_accrued_fen - self.interest_fen
        return self.instalment.interest_fen - cleared

    @property
    def outstanding_fen(self) -> int:
        return self.principal_fen + self.interest_fen + self.penalty_fen

    @property
    def settled(self) -> bool:
        paid_up = self.principal_fen == 0 and self.penalty_fen == 0
        return paid_up and self.interest_unsettled_fen <= 0

    def is_overdue(self, on: date) -> bool:
        return self.due_date < on and not self.settled

    def owed(self, kind: str) -> int:
        return {PRINCIPAL: self.principal_fen, INTEREST: self.interest_fen}.get(
            kind, self.penalty_fen
        )


@dataclass(frozen=True, slots=True)
class Balances:
    principal_fen: int
    interest_fen: int
    penalty_fen: int
    credit_fen: int  # received and held for the borrower, not yet applied

    @property
    def owed_fen(self) -> int:
        """What the borrower owes net of money already held for them."""
        return self.principal_fen + self.interest_fen + self.penalty_fen - self.credit_fen


def _until(entries: Iterable[Entry], on: date | None) -> Iterable[Entry]:
    return entries if on is None else (e for e in entries if e.at <= on)


def instalment_states(
    schedule: Schedule, entries: Iterable[Entry], on: date | None = None
) -> tuple[InstalmentState, ...]:
    """Every instalment's position from the entries posted up to the end of day `on`."""
    n = len(schedule.instalments)
    principal, interest, penalty, accrued = [0] * n, [0] * n, [0] * n, [0] * n
    for item in _until(entries, on):
        for posting in item.postings:
            parsed = split_receivable(posting.account)
            if parsed is None or not 1 <= parsed[1] <= n:
                continue
            kind, index = parsed[0], parsed[1] - 1
            if kind == PRINCIPAL:
                principal[index] += posting.amount_fen
            elif kind == INTEREST:
                interest[index] += posting.amount_fen
                if item.kind == ACCRUAL:
                    accrued[index] += posting.amount_fen
            else:
                penalty[index] += posting.amount_fen
    return tuple(
        InstalmentState(inst, principal[i], interest[i], penalty[i], accrued[i])
        for i, inst in enumerate(schedule.instalments)
    )


def balances_of(entries: Iterable[Entry], on: date | None = None) -> Balances:
    totals = {PRINCIPAL: 0, INTEREST: 0, PENALTY: 0}
    credit = 0
    for item in _until(entries, on):
        for posting in item.postings:
            if posting.account == BORROWER_CREDIT:
                credit -= posting.amount_fen
                continue
            parsed = split_receivable(posting.account)
            if parsed is not None:
                totals[parsed[0]] += posting.amount_fen
    return Balances(totals[PRINCIPAL], totals[INTEREST], totals[PENALTY], credit)


@dataclass(frozen=True, slots=True)
class Position:
    """The running sums of a loan's ledger: every receivable per instalment, the interest
    accrued per instalment, the credit held, and which kinds of entry were ever posted.

    It is what the entries add up to, kept as money moves (storage persists it in the
    transaction of each posting), so a read costs the same however old the loan is.
    """

    principal: tuple[int, ...]
    interest: tuple[int, ...]
    penalty: tuple[int, ...]
    accrued: tuple[int, ...]
    credit_fen: int = 0
    kinds: frozenset[str] = field(default_factory=frozenset)
    latest: date | None = None  # the date of the latest entry added up
    # Penalty ever charged per instalment (payments and waivers do not un-charge it), and the
    # overdue principal-days close of business has counted per instalment: penalty is the
    # exact accrual on those days rounded down once, so its remainder is carried, never lost
    # to a daily rounding that would take the cost past the cap.
    penalty_charged: tuple[int, ...] = ()
    principal_days: tuple[int, ...] = ()

    @classmethod
    def empty(cls, instalments: int) -> Position:
        zeros = (0,) * instalments
        return cls(zeros, zeros, zeros, zeros)

    def plus(self, entries: Iterable[Entry]) -> Position:
        """This position with `entries` added (each once: the caller keeps keys unique)."""
        n = len(self.principal)
        principal, interest = list(self.principal), list(self.interest)
        penalty, accrued = list(self.penalty), list(self.accrued)
        charged = list(self.penalty_charged or (0,) * n)
        credit, kinds, latest = self.credit_fen, set(self.kinds), self.latest
        for item in entries:
            kinds.add(item.kind)
            latest = item.at if latest is None or item.at > latest else latest
            for posting in item.postings:
                if posting.account == BORROWER_CREDIT:
                    credit -= posting.amount_fen
                    continue
                parsed = split_receivable(posting.account)
                if parsed is None or parsed[1] < 1:
                    continue
                kind, index = parsed[0], parsed[1] - 1
                if index >= n:  # a prepayment re-amortised the loan into more instalments
                    grow = index + 1 - n
                    for column in (principal, interest, penalty, accrued, charged):
                        column.extend([0] * grow)
                    n = index + 1
                if kind == PRINCIPAL:
                    principal[index] += posting.amount_fen
                elif kind == INTEREST:
                    interest[index] += posting.amount_fen
                    if item.kind == ACCRUAL:
                        accrued[index] += posting.amount_fen
                else:
                    penalty[index] += posting.amount_fen
                    charged[index] += max(posting.amount_fen, 0)
        return Position(
            tuple(principal),
            tuple(interest),
            tuple(penalty),
            tuple(accrued),
            credit,
            frozenset(kinds),
            latest,
            tuple(charged),
            self.principal_days,
        )

    def counted_through(self, schedule: Schedule, day: date) -> Position:
        """This position with `day`'s overdue principal counted (at the end of the day, after
        that day's entries), for close of business."""
        days = list(self.principal_days)
        days += [0] * (len(schedule.instalments) - len(days))
        for index, inst in enumerate(schedule.instalments):
            if inst.due_date < day and index < len(self.principal):
                days[index] += self.principal[index]
        return self.with_principal_days(tuple(days))

    def with_principal_days(self, days: tuple[int, ...]) -> Position:
        # Spelled out rather than dataclasses.replace: close of business calls this for every
        # loan every night, and replace's field introspection was a tenth of that job.
        return Position(
            self.principal,
            self.interest,
            self.penalty,
            self.accrued,
            self.credit_fen,
            self.kinds,
            self.latest,
            self.penalty_charged,
            days,
        )

    def states(self, schedule: Schedule) -> tuple[InstalmentState, ...]:
        instalments = schedule.instalments
        n = len(instalments)
        columns = (self.principal, self.interest, self.penalty, self.accrued)
        if all(len(column) >= n for column in columns):
            return tuple(map(InstalmentState, instalments, *columns))

        def at(column: tuple[int, ...], i: int) -> int:
            return column[i] if i < len(column) else 0  # instalments a reschedule added

        return tuple(
            InstalmentState(
                inst,
                at(self.principal, i),
                at(self.interest, i),
                at(self.penalty, i),
                at(self.accrued, i),
            )
            for i, inst in enumerate(schedule.instalments)
        )

    @property
    def balances(self) -> Balances:
        return Balances(sum(self.principal), sum(self.interest), sum(self.penalty), self.credit_fen)


def interest_earned_fen(schedule: Schedule, number: int, through: date) -> int:
    """Interest of instalment `number` earned by the end of day `through` (days used)."""
    inst = schedule.instalments[number - 1]
    begin = schedule.period_start(number)
    days = (inst.due_date - begin).days
    used = min(max((through - begin).days, 0), days)
    if used == days:
        return inst.interest_fen
    return round_fen(Decimal(inst.interest_fen * used) / days)
