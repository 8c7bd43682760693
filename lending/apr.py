"""Annual percentage rate from the internal rate of return of a loan's cash flows.

PBoC announcement [2021] No. 3: the annualised rate shown to a borrower is the IRR of every cash
flow (principal actually in use, interest, fees), annualised. We show the compounded figure;
the simple (periodic x periods-per-year) figure only with its label.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

PERIODS_PER_YEAR = 12
DAYS_PER_YEAR = 365


@dataclass(frozen=True, slots=True)
class AprQuote:
    periodic_irr: Decimal  # per period (a month for monthly schedules)
    apr_compound: Decimal  # (1 + irr) ** periods - 1
    apr_simple: Decimal  # irr * periods, only ever shown labelled as simple / 单利


def _npv(rate: float, flows: Sequence[int]) -> float:
    total = 0.0
    discount = 1.0
    for flow in flows:
        total += flow / discount
        discount *= 1.0 + rate
    return total


def irr(flows: Sequence[int]) -> float:
    """The periodic rate at which the flows' net present value is zero.

    `flows[0]` is what the borrower receives (negative from the lender's side: pass it negative),
    the rest are what they pay back, one per equal period. Bisection: slow by textbook standards
    but it cannot diverge, and a loan has at most a few hundred flows.
    """
    if not flows or flows[0] >= 0 or sum(flows[1:]) <= 0:
        raise ValueError("an IRR needs an outlay followed by repayments")
    low, high = -0.99, 1.0
    while _npv(high, flows) > 0:
        high *= 2
    for _ in range(200):
        mid = (low + high) / 2
        if _npv(mid, flows) > 0:
            low = mid
        else:
            high = mid
        if high - low < 1e-15:
            break
    return (low + high) / 2


def quote(flows: Sequence[int], periods_per_year: int = PERIODS_PER_YEAR) -> AprQuote:
    periodic = irr(flows)
    return AprQuote(
        periodic_irr=Decimal(repr(periodic)),
        apr_compound=Decimal(repr((1.0 + periodic) ** periods_per_year - 1.0)),
        apr_simple=Decimal(repr(periodic * periods_per_year)),
    )


def _dated_npv(annual: float, flows: Sequence[tuple[date, int]], day_count: int) -> float:
    first = flows[0][0]
    return sum(
        amount / (1.0 + annual) ** ((when - first).days / day_count) for when, amount in flows
    )


def xirr(flows: Sequence[tuple[date, int]], day_count: int = DAYS_PER_YEAR) -> float:
    """The effective annual rate at which dated flows' NPV is zero (irregular periods).

    Same sign convention as `irr`: the first flow is the (negative) amount received.
    """
    if not flows or flows[0][1] >= 0 or sum(amount for _, amount in flows[1:]) <= 0:
        raise ValueError("an IRR needs an outlay followed by repayments")
    low, high = -0.99, 1.0
    while _dated_npv(high, flows, day_count) > 0:
        high *= 2
    for _ in range(300):
        mid = (low + high) / 2
        if _dated_npv(mid, flows, day_count) > 0:
            low = mid
        else:
            high = mid
        if high - low < 1e-15:
            break
    return (low + high) / 2


def quote_dated(flows: Sequence[tuple[date, int]], day_count: int = DAYS_PER_YEAR) -> AprQuote:
    """APR of dated flows; the period is one day, so `apr_simple` is the daily IRR x day_count."""
    annual = xirr(flows, day_count)
    daily = (1.0 + annual) ** (1.0 / day_count) - 1.0
    return AprQuote(
        periodic_irr=Decimal(repr(daily)),
        apr_compound=Decimal(repr(annual)),
        apr_simple=Decimal(repr(daily * day_count)),
    )


def daily_rate_apr(daily_rate: Decimal) -> Decimal:
    """The compounded APR of a line charging `daily_rate` on the principal in use, no fees.

    Interest by actual days, paid monthly: a month is 365/12 days on average, so the periodic
    IRR is daily_rate * 365 / 12 and the APR its compounding over twelve months.
    """
    monthly = daily_rate * DAYS_PER_YEAR / PERIODS_PER_YEAR
    return (1 + monthly) ** PERIODS_PER_YEAR - 1
