"""Annual percentage rate from the internal rate of return of a loan's cash flows.

PBoC announcement [2021] No. 3: the annualised rate shown to a borrower is the IRR of every cash
flow (principal actually in use, interest, fees), annualised the way its own example does:
simply, periodic IRR x periods a year (monthly IRR x 12; a dated loan's daily IRR x 365). That one
basis is shown on every screen, checked against the cap and used for pricing (`AprQuote.apr`);
the compounded figure is kept for reports only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

PERIODS_PER_YEAR = 12
DAYS_PER_YEAR = 365


@dataclass(frozen=True, slots=True)
class AprQuote:
    periodic_irr: Decimal  # per period (a month for monthly schedules)
    apr_compound: Decimal  # (1 + irr) ** periods - 1
    apr_simple: Decimal  # irr * periods: the basis shown, capped and priced

    @property
    def apr(self) -> Decimal:
        """The APR a borrower is shown and the cap is checked on."""
        return self.apr_simple


def _npv(rate: float, flows: Sequence[int]) -> float:
    total = 0.0
    discount = 1.0
    for flow in flows:
        total += flow / discount
        discount *= 1.0 + rate
    return total


def _require_outlay(first: int, rest: float) -> None:
    if first >= 0 or rest <= 0:
        raise ValueError("an IRR needs an outlay followed by repayments")


def _root(npv: Callable[[float], float]) -> float:
    """The rate where a falling net present value crosses zero, by bisection.

    Slow by textbook standards but it cannot diverge, and a loan has at most a few hundred
    flows; both IRRs below use it.
    """
    low, high = -0.99, 1.0
    while npv(high) > 0:
        high *= 2
    for _ in range(300):
        mid = (low + high) / 2
        if npv(mid) > 0:
            low = mid
        else:
            high = mid
        if high - low < 1e-15:
            break
    return (low + high) / 2


def irr(flows: Sequence[int]) -> float:
    """The periodic rate at which the flows' net present value is zero.

    `flows[0]` is what the borrower receives (negative from the lender's side: pass it negative),
    the rest are what they pay back, one per equal period.
    """
    if not flows:
        raise ValueError("an IRR needs an outlay followed by repayments")
    _require_outlay(flows[0], sum(flows[1:]))
    return _root(lambda rate: _npv(rate, flows))


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
    if not flows:
        raise ValueError("an IRR needs an outlay followed by repayments")
    _require_outlay(flows[0][1], sum(amount for _, amount in flows[1:]))
    return _root(lambda annual: _dated_npv(annual, flows, day_count))


def quote_dated(flows: Sequence[tuple[date, int]], day_count: int = DAYS_PER_YEAR) -> AprQuote:
    """APR of dated flows; the period is one day, so `apr_simple` is the daily IRR x day_count."""
    annual = xirr(flows, day_count)
    daily = (1.0 + annual) ** (1.0 / day_count) - 1.0
    return AprQuote(
        periodic_irr=Decimal(repr(daily)),
        apr_compound=Decimal(repr(annual)),
        apr_simple=Decimal(repr(daily * day_count)),
    )


def periodic_npv_at(flows: Sequence[int], annual: Decimal, periods_per_year: int) -> Decimal:
    """Net present value of equal-period flows discounted at `annual` on the shown basis.

    Exact (Decimal): the shown APR is at most `annual` exactly when this is not positive, since
    the value falls as the rate rises. Cap checks use it instead of rounding an IRR.
    """
    growth = 1 + annual / periods_per_year
    total, discount = Decimal(0), Decimal(1)
    for flow in flows:
        total += flow / discount
        discount *= growth
    return total


def dated_npv_at(flows: Sequence[tuple[date, int]], annual: Decimal, day_count: int) -> Decimal:
    """The same for dated flows, whose shown basis is the daily rate x day_count."""
    daily = 1 + annual / day_count
    first = flows[0][0]
    return sum((amount / daily ** (when - first).days for when, amount in flows), Decimal(0))


def daily_rate_apr(daily_rate: Decimal) -> Decimal:
    """The APR, on the shown (simple) basis, of a line charging `daily_rate` on the principal in
    use, no fees: a monthly IRR of daily_rate x 365 / 12, times twelve.

    Real schedules differ from it by the length of their actual months and the rounding of each
    instalment to the fen; the shown figure of an offer always comes from its own schedule.
    """
    return daily_rate * DAYS_PER_YEAR
