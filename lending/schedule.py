"""Repayment schedules exact to the fen.

Rules, so finance can recompute any figure by hand:
- Due dates fall on the start's day of month, clamped to the month's last day (a loan started on
  31 January is due 28/29 February, 31 March, 30 April...), always counted from the start so a
  short month never drags later dates earlier.
- Interest of a period = outstanding principal x daily rate x actual days in the period, rounded
  half up to the fen (money.round_fen) once per period.
- Equal instalments (等额本息): the payment is the annuity of the principal at the monthly rate
  daily_rate x day_count / 12, rounded half up; each period's principal part is the payment minus
  that period's actual-day interest; the last instalment repays whatever principal is left, so it
  absorbs the rounding and the difference between actual and average month lengths.
- Equal principal (等额本金): principal // n each period, the last takes the remainder.
- Bullet (到期一次还本付息): all principal and interest on one date (term_days, or term_months).
- The principal parts always sum to the amount lent; no part is negative.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, getcontext
from enum import StrEnum
from functools import lru_cache

from lending.apr import AprQuote, dated_npv_at, periodic_npv_at, quote, quote_dated
from lending.money import round_fen, round_fen_ratio


class RepaymentMethod(StrEnum):
    EQUAL_INSTALLMENT = "equal_installment"
    EQUAL_PRINCIPAL = "equal_principal"
    BULLET = "bullet"


@dataclass(frozen=True, slots=True)
class Instalment:
    number: int  # 1-based
    due_date: date
    principal_fen: int
    interest_fen: int

    @property
    def total_fen(self) -> int:
        return self.principal_fen + self.interest_fen


@dataclass(frozen=True, slots=True)
class Schedule:
    principal_fen: int
    start: date
    daily_rate: Decimal
    method: RepaymentMethod
    instalments: tuple[Instalment, ...]
    fee_fen: int = 0  # charged upfront: the borrower receives principal - fee

    @property
    def total_interest_fen(self) -> int:
        return sum(i.interest_fen for i in self.instalments)

    @property
    def total_repayable_fen(self) -> int:
        return sum(i.total_fen for i in self.instalments)

    @property
    def total_cost_fen(self) -> int:
        """Interest and fees: everything paid beyond the principal actually received."""
        return self.total_interest_fen + self.fee_fen

    @property
    def disbursed_fen(self) -> int:
        return self.principal_fen - self.fee_fen

    @property
    def is_monthly(self) -> bool:
        return all(
            inst.due_date == add_months(self.start, inst.number) for inst in self.instalments
        )

    def cash_flows(self) -> list[int]:
        """Borrower-side flows for the IRR: what is received (negative), then each payment."""
        return [-self.disbursed_fen, *(i.total_fen for i in self.instalments)]

    @property
    def is_dated(self) -> bool:
        """Annualised over actual days: a bullet always (a 30-day bullet is 30 days, not "a
        month", even when it ends on the start's day of the month), and any irregular schedule."""
        return self.method is RepaymentMethod.BULLET or not self.is_monthly

    def dated_flows(self) -> list[tuple[date, int]]:
        return [(self.start, -self.disbursed_fen)] + [
            (i.due_date, i.total_fen) for i in self.instalments
        ]

    @property
    def apr(self) -> AprQuote:
        """IRR-based APR (PBoC [2021] No. 3) of the principal in use against every payment.

        Monthly schedules use one period per month, as the PBoC example does; bullets and
        irregular schedules are dated (daily IRR over actual/365).
        """
        if self.is_dated:
            return quote_dated(self.dated_flows())
        return quote(self.cash_flows(), periods_per_year=12)

    def apr_within(self, cap: Decimal, day_count: int = 365) -> bool:
        """Whether the shown APR is at most `cap`, decided exactly (no IRR rounding).

        A float estimate settles the clear cases; only a near tie is recomputed in Decimal.
        """
        if self.is_dated:
            flows = self.dated_flows()
            daily = 1.0 + float(cap) / day_count
            rough = sum(fen / daily ** (when - self.start).days for when, fen in flows)
        else:
            monthly = 1.0 + float(cap) / 12
            rough = sum(fen / monthly**k for k, fen in enumerate(self.cash_flows()))
        if abs(rough) > 1e-6 * self.principal_fen + 1e-3:
            return rough < 0
        if self.is_dated:
            return dated_npv_at(self.dated_flows(), cap, day_count) <= 0
        return periodic_npv_at(self.cash_flows(), cap, 12) <= 0

    def period_start(self, number: int) -> date:
        """The date interest of instalment `number` starts to run (the previous due date)."""
        return self.start if number == 1 else self.instalments[number - 2].due_date


def add_months(start: date, months: int) -> date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = start.day
    if day > 28:  # every month has 28 days: only later days may need clamping
        day = min(day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def due_dates(start: date, term_months: int) -> list[date]:
    return list(monthly_due_dates(start, term_months))


@lru_cache(maxsize=4096)
def monthly_due_dates(start: date, term_months: int) -> tuple[date, ...]:
    """due_dates, kept: every loan and every offer started on one day shares them."""
    return tuple(add_months(start, k) for k in range(1, term_months + 1))


@lru_cache(maxsize=4096)
def monthly_period_days(start: date, term_months: int) -> tuple[int, ...]:
    """The actual days of each period of a monthly schedule from `start`."""
    return tuple(period_days(start, monthly_due_dates(start, term_months)))


def period_days(start: date, dates: Sequence[date]) -> list[int]:
    """The actual days of each period: from `start` to the first date, then between dates."""
    return [
        (due - previous).days for previous, due in zip((start, *dates[:-1]), dates, strict=True)
    ]


def period_interest_fen(balance_fen: int, daily_rate: Decimal, days: int) -> int:
    return round_fen(balance_fen * daily_rate * days)


def exact_rate_ratio(daily_rate: Decimal, largest_balance_fen: int) -> tuple[int, int] | None:
    """`daily_rate` as numerator / denominator when every period_interest_fen product of a
    balance up to `largest_balance_fen` over a period of up to 999 days is exact in the current
    Decimal context (any real rate and amount), so interest can be worked out in integers with
    the very same result; None otherwise."""
    rate_digits, ratio = _digits_and_ratio(daily_rate)
    digits = len(str(largest_balance_fen)) + rate_digits + 3
    return ratio if digits <= getcontext().prec else None


@lru_cache(maxsize=1024)
def _digits_and_ratio(rate: Decimal) -> tuple[int, tuple[int, int]]:
    return len(rate.as_tuple().digits), rate.as_integer_ratio()


def monthly_rate(daily_rate: Decimal, day_count: int = 365) -> Decimal:
    return daily_rate * day_count / 12


def annuity_payment_fen(principal_fen: int, rate: Decimal, periods: int) -> int:
    """The level payment that repays `principal_fen` over `periods` at `rate` per period."""
    if rate == 0:
        return round_fen(Decimal(principal_fen) / periods)
    growth = _growth(rate, periods)
    return round_fen(principal_fen * rate * growth / (growth - 1))


@lru_cache(maxsize=1024)
def _growth(rate: Decimal, periods: int) -> Decimal:
    # (1 + rate) ** periods depends on the price alone, and a book has few prices
    return (1 + rate) ** periods


def build_schedule(
    principal_fen: int,
    term_months: int,
    daily_rate: Decimal,
    method: RepaymentMethod,
    start: date,
    *,
    fee_fen: int = 0,
    day_count: int = 365,
    term_days: int | None = None,
) -> Schedule:
    """The repayment schedule of a drawdown; `term_days` only for a bullet of so many days."""
    if principal_fen <= 0:
        raise ValueError("principal must be positive")
    if not 0 <= fee_fen < principal_fen:
        raise ValueError("the fee must be at least 0 and less than the principal")
    if daily_rate < 0:
        raise ValueError("daily rate must not be negative")
    method = RepaymentMethod(method)
    if method is RepaymentMethod.BULLET:
        instalments = _bullet(principal_fen, term_months, daily_rate, start, term_days)
    else:
        if term_months < 1:
            raise ValueError("term must be at least one month")
        if term_days is not None:
            raise ValueError("term_days is only for bullet repayment")
        dates = monthly_due_dates(start, term_months)
        if method is RepaymentMethod.EQUAL_INSTALLMENT:
            instalments = equal_instalment_rows(principal_fen, daily_rate, start, dates, day_count)
        else:
            instalments = equal_principal_rows(principal_fen, daily_rate, start, dates)
    return Schedule(principal_fen, start, daily_rate, method, tuple(instalments), fee_fen)


def _bullet(
    principal_fen: int, term_months: int, rate: Decimal, start: date, term_days: int | None
) -> list[Instalment]:
    if term_days is not None:
        if term_days < 1:
            raise ValueError("term must be at least one day")
        due = start + timedelta(days=term_days)
    else:
        if term_months < 1:
            raise ValueError("term must be at least one month")
        due = add_months(start, term_months)
    interest = period_interest_fen(principal_fen, rate, (due - start).days)
    return [Instalment(1, due, principal_fen, interest)]


def equal_instalment_rows(
    principal_fen: int, rate: Decimal, start: date, dates: Sequence[date], day_count: int
) -> list[Instalment]:
    parts = equal_instalment_parts(principal_fen, rate, period_days(start, dates), day_count)
    return [
        Instalment(number, due, principal, interest)
        for number, (due, (principal, interest)) in enumerate(
            zip(dates, parts, strict=True), start=1
        )
    ]


def equal_instalment_parts(
    principal_fen: int, rate: Decimal, period_days: Sequence[int], day_count: int
) -> list[tuple[int, int]]:
    """(principal, interest) of each equal instalment over periods of so many days."""
    payment = annuity_payment_fen(principal_fen, monthly_rate(rate, day_count), len(period_days))
    # the same fen as period_interest_fen, in integers unless the rate is beyond Decimal's digits
    ratio = exact_rate_ratio(rate, principal_fen)
    balance, parts = principal_fen, []
    for days in period_days:
        if ratio is None:
            interest = period_interest_fen(balance, rate, days)
        else:
            interest = round_fen_ratio(balance * ratio[0] * days, ratio[1])
        part = payment - interest
        if part < 0:  # a tiny loan's payment can be below a long month's interest
            part = 0
        elif part > balance:
            part = balance
        parts.append((part, interest))
        balance -= part
    # the last instalment repays whatever principal is left
    part, interest = parts[-1]
    parts[-1] = (part + balance, interest)
    return parts


@lru_cache(maxsize=16_384)
def largest_equal_instalment_fen(
    principal_fen: int, term_months: int, daily_rate: Decimal, start: date, day_count: int = 365
) -> int:
    """The largest payment of build_schedule(..., EQUAL_INSTALLMENT, start), found without
    building the schedule (no rows, no APR): what an affordability rule needs.

    Kept by its inputs: the chat offers a few amounts and terms, lines are whole steps, and
    every application of a day starts on that day, so most are asked again within the day.
    """
    if principal_fen <= 0 or term_months < 1 or daily_rate < 0:
        raise ValueError("a schedule needs a positive principal and term and a rate of at least 0")
    days = monthly_period_days(start, term_months)
    parts = equal_instalment_parts(principal_fen, daily_rate, days, day_count)
    return max(principal + interest for principal, interest in parts)


def equal_principal_rows(
    principal_fen: int, rate: Decimal, start: date, dates: Sequence[date]
) -> list[Instalment]:
    base = principal_fen // len(dates)
    balance, previous, rows = principal_fen, start, []
    for number, due in enumerate(dates, start=1):
        part = balance if number == len(dates) else base
        interest = period_interest_fen(balance, rate, (due - previous).days)
        rows.append(Instalment(number, due, part, interest))
        balance -= part
        previous = due
    return rows
