"""Lending products: the configurable bounds an offer must respect, and the offer check.

The APR cap (default 24%) is compared with the IRR-based APR of the whole offer, interest and
every fee against the principal actually in use. `cap_basis` says which annualisation counts:
SIMPLE (periodic IRR x periods, the way PBoC [2021] No. 3 annualises and the way the 24% ceiling
of Chinese private-lending law is a nominal annual rate) by default, the same basis every screen
shows (lending.apr); COMPOUND is a stricter house rule on top of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from lending.schedule import RepaymentMethod, Schedule, build_schedule

STANDARD_TERMS = (3, 6, 12)
WEILIDAI_TERMS = (3, 5, 6, 10, 12, 20)
# Any fixed date gives the same verdict within a day's rounding; one is chosen so that a check is
# reproducible (a 31-day and a 28-day first month differ by a fen or two of interest).
_REFERENCE_START = date(2026, 1, 15)


class CapBasis(StrEnum):
    SIMPLE = "simple"
    COMPOUND = "compound"


class Refusal(StrEnum):
    """Why an offer is refused; stable codes the flows translate for the borrower."""

    AMOUNT_BELOW_MINIMUM = "amount_below_minimum"
    AMOUNT_ABOVE_MAXIMUM = "amount_above_maximum"
    TERM_NOT_ALLOWED = "term_not_allowed"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    RATE_BELOW_MINIMUM = "rate_below_minimum"
    RATE_ABOVE_MAXIMUM = "rate_above_maximum"
    FEE_INVALID = "fee_invalid"
    APR_ABOVE_CAP = "apr_above_cap"


@dataclass(frozen=True, slots=True)
class Product:
    code: str = "standard"
    line_min_fen: int = 50_000  # 500 CNY
    line_max_fen: int = 20_000_000  # 200,000 CNY
    drawdown_min_fen: int = 10_000  # 100 CNY
    drawdown_max_fen: int = 4_000_000  # 40,000 CNY
    # Above this a drawdown goes to manual review (and may be paid in tranches).
    review_threshold_fen: int = 4_000_000
    terms: tuple[int, ...] = STANDARD_TERMS  # months
    daily_rate_min: Decimal = Decimal("0.0002")
    # 0.064 % a day: the highest step at which no offer, from any start date, is over 24 % on
    # the shown basis (at 0.065 % three 31-day months make 24.07 %); problems() checks it.
    daily_rate_max: Decimal = Decimal("0.00064")
    apr_cap: Decimal = Decimal("0.24")
    cap_basis: CapBasis = CapBasis.SIMPLE
    methods: tuple[RepaymentMethod, ...] = (
        RepaymentMethod.EQUAL_INSTALLMENT,
        RepaymentMethod.EQUAL_PRINCIPAL,
    )
    bullet_max_days: int = 30
    day_count: int = 365
    freeze_after_dpd: int = 1  # line frozen once this many days past due
    # Penalty interest on overdue principal = this x the loan's daily rate, held under the cap.
    penalty_multiplier: Decimal = Decimal("1.5")

    def penalty_daily_rate(self, daily_rate: Decimal) -> Decimal:
        """Daily penalty rate on overdue principal, never above apr_cap / day_count.

        Overdue principal stops earning contract interest at its due date (the schedule's later
        periods exclude it), so the penalty alone is the charge and the cap binds it alone.
        """
        return min(daily_rate * self.penalty_multiplier, self.apr_cap / self.day_count)

    def needs_review(self, principal_fen: int) -> bool:
        return principal_fen > self.review_threshold_fen

    def drawdown_ceiling_fen(self, principal_fen: int, *, reviewed: bool = False) -> int:
        """The largest drawdown allowed: drawdown_max_fen on its own; one above the review
        threshold that a person decides may go up to the largest line."""
        if reviewed and self.needs_review(principal_fen):
            return self.line_max_fen
        return self.drawdown_max_fen

    def problems(self) -> list[str]:
        """A product that could not lawfully be offered at its own bounds (empty = sound)."""
        found = []
        if not 0 < self.line_min_fen <= self.line_max_fen:
            found.append("line_bounds")
        if not 0 < self.drawdown_min_fen <= self.drawdown_max_fen <= self.line_max_fen:
            found.append("drawdown_bounds")
        if not 0 <= self.daily_rate_min <= self.daily_rate_max:
            found.append("rate_bounds")
        if not self.terms or min(self.terms) < 1:
            found.append("terms")
        if not self.rate_fits_cap(self.daily_rate_max):
            found.append("daily_rate_max_above_cap")
        for method in self.methods:
            if method is RepaymentMethod.BULLET:
                continue
            for term in self.terms:
                sched = build_schedule(
                    self.drawdown_max_fen,
                    term,
                    self.daily_rate_max,
                    method,
                    _REFERENCE_START,
                    day_count=self.day_count,
                )
                if over_cap(self, sched):
                    found.append(f"apr_above_cap:{method}:{term}")
        return found

    def offers_at(self, daily_rate: Decimal, starts: Iterable[date]) -> Iterator[Schedule]:
        """Every schedule the product offers at `daily_rate` from each start: each method and
        term (each bullet length in days), at the smallest and the largest drawdown (rounding
        to the fen weighs most on the smallest)."""
        for start in starts:
            for amount in (self.drawdown_min_fen, self.drawdown_max_fen):
                for method in self.methods:
                    if method is RepaymentMethod.BULLET:
                        for days in range(1, self.bullet_max_days + 1):
                            yield build_schedule(
                                amount, 0, daily_rate, method, start, term_days=days
                            )
                        continue
                    for term in self.terms:
                        yield build_schedule(
                            amount, term, daily_rate, method, start, day_count=self.day_count
                        )

    def rate_fits_cap(self, daily_rate: Decimal) -> bool:
        """No offer at this rate, from any start date in a (leap) year, is over the cap."""
        if daily_rate * self.day_count > self.apr_cap:
            return False
        return not any(over_cap(self, s) for s in self.offers_at(daily_rate, year_of_starts()))


DEFAULT_PRODUCT = Product()


def year_of_starts(year: int = 2028) -> list[date]:
    """Every start date of a leap year: month lengths and 29 February all appear."""
    first = date(year, 1, 1)
    return [first + timedelta(days=k) for k in range(366)]


def capped_apr(product: Product, schedule: Schedule) -> Decimal:
    """The APR figure the cap is compared with, per the product's cap basis."""
    apr = schedule.apr
    return apr.apr_simple if product.cap_basis is CapBasis.SIMPLE else apr.apr_compound


def over_cap(product: Product, schedule: Schedule) -> bool:
    if product.cap_basis is CapBasis.SIMPLE:
        # exact on the shown basis: a schedule a hair over the cap is over it
        return not schedule.apr_within(product.apr_cap, product.day_count)
    return capped_apr(product, schedule) > product.apr_cap


def check_offer(
    product: Product,
    principal_fen: int,
    term_months: int,
    daily_rate: Decimal,
    method: RepaymentMethod | str,
    *,
    fee_fen: int = 0,
    term_days: int | None = None,
    start: date | None = None,
    reviewed: bool = False,
) -> list[Refusal]:
    """Every reason the offer cannot be made; an empty list means it may be offered.
    `reviewed`: the drawdown goes to a person (or was approved by one), so an amount above the
    review threshold is allowed up to the largest line.

    A bullet needs `term_days` (at most product.bullet_max_days); other methods a term in months
    from product.terms. `start` only sharpens the APR check to the real due dates.
    """
    refusals: list[Refusal] = []
    if principal_fen < product.drawdown_min_fen:
        refusals.append(Refusal.AMOUNT_BELOW_MINIMUM)
    if principal_fen > product.drawdown_ceiling_fen(principal_fen, reviewed=reviewed):
        refusals.append(Refusal.AMOUNT_ABOVE_MAXIMUM)
    try:
        method = RepaymentMethod(method)
    except ValueError:
        return [*refusals, Refusal.METHOD_NOT_ALLOWED]
    if method not in product.methods:
        refusals.append(Refusal.METHOD_NOT_ALLOWED)
    if method is RepaymentMethod.BULLET:
        if term_days is None or not 1 <= term_days <= product.bullet_max_days:
            refusals.append(Refusal.TERM_NOT_ALLOWED)
    elif term_months not in product.terms or term_days is not None:
        refusals.append(Refusal.TERM_NOT_ALLOWED)
    if daily_rate < product.daily_rate_min:
        refusals.append(Refusal.RATE_BELOW_MINIMUM)
    if daily_rate > product.daily_rate_max:
        refusals.append(Refusal.RATE_ABOVE_MAXIMUM)
    if not 0 <= fee_fen < max(principal_fen, 1):
        refusals.append(Refusal.FEE_INVALID)
    if principal_fen > 0 and daily_rate >= 0 and Refusal.FEE_INVALID not in refusals:
        if method is not RepaymentMethod.BULLET and term_months < 1:
            return refusals
        if method is RepaymentMethod.BULLET and term_days is not None and term_days < 1:
            return refusals
        schedule = build_schedule(
            principal_fen,
            term_months,
            daily_rate,
            method,
            start or _REFERENCE_START,
            fee_fen=fee_fen,
            day_count=product.day_count,
            term_days=term_days if method is RepaymentMethod.BULLET else None,
        )
        if over_cap(product, schedule):
            refusals.append(Refusal.APR_ABOVE_CAP)
    return refusals
