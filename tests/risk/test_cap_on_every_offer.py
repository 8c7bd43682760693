"""No schedule the bot can offer, at any rate the risk module prices, from any start date in a
year, shows an APR above the cap on the shown basis."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import risk
from lending.products import DEFAULT_PRODUCT, year_of_starts
from lending.schedule import Schedule
from risk.decide import price_table
from risk.policy import DEFAULT_POLICY


def priced_rates() -> list[Decimal]:
    return sorted({p.daily_rate for p in price_table(risk.SCORECARD, DEFAULT_POLICY).prices})


CAP = Fraction(24, 100)  # the legal ceiling, written here rather than read from the product
LEAP_YEAR = [date(2028, 1, 1) + timedelta(days=k) for k in range(366)]  # every start date


def within_the_cap(schedule: Schedule) -> bool:
    """The borrower's flows discounted at the cap on the shown basis (monthly rate x 12, or a
    daily rate x 365 for a dated schedule) are worth nothing or less: the IRR is at most the
    cap. Worked out here, apart from lending/apr.py: in floats, and in exact fractions when
    the floats cannot tell."""
    flows = [(schedule.start, -schedule.disbursed_fen)]
    flows += [(i.due_date, i.total_fen) for i in schedule.instalments]
    if schedule.is_dated:
        periods = [(when - schedule.start).days for when, _ in flows]
        step = 1 + CAP / 365
    else:
        periods = list(range(len(flows)))
        step = 1 + CAP / 12
    rough = sum(fen / float(step) ** k for k, (_, fen) in zip(periods, flows, strict=True))
    if abs(rough) > 1:  # a fen of present value: far from a tie
        return rough < 0
    return sum(Fraction(fen) / step**k for k, (_, fen) in zip(periods, flows, strict=True)) <= 0


def test_every_offer_at_every_priced_rate_and_start_is_within_the_cap() -> None:
    rates = priced_rates()
    assert len(rates) > 20 and rates[-1] <= DEFAULT_PRODUCT.daily_rate_max
    checked = 0
    for rate in rates:
        for schedule in DEFAULT_PRODUCT.offers_at(rate, LEAP_YEAR):
            assert within_the_cap(schedule), (rate, schedule.start)
            checked += 1
    # two amounts, two methods, three terms from every start
    assert checked == len(rates) * len(LEAP_YEAR) * 2 * 2 * 3


def test_the_check_above_finds_an_offer_one_rate_step_over_the_top() -> None:
    # one step up, three 31-day months from 1 July make 24.07 %
    too_high = priced_rates()[-1] + Decimal("0.00001")
    july = DEFAULT_PRODUCT.offers_at(too_high, [date(2028, 7, 1)])
    assert not all(within_the_cap(schedule) for schedule in july)


def test_the_shown_figure_of_the_worst_offer_is_within_the_cap() -> None:
    # the exact check above and the figure a borrower reads agree at the top rate
    top = priced_rates()[-1]
    worst = max(
        (s.apr.apr for s in DEFAULT_PRODUCT.offers_at(top, year_of_starts()[:62])),
        default=Decimal(0),
    )
    assert Decimal("0.23") < worst <= DEFAULT_PRODUCT.apr_cap


def test_the_products_own_top_rate_fits_the_cap() -> None:
    assert DEFAULT_PRODUCT.problems() == []
    # one step up, three 31-day months from 1 July make 24.07 %: the product check says so
    too_high = DEFAULT_PRODUCT.daily_rate_max + Decimal("0.00001")
    assert not DEFAULT_PRODUCT.rate_fits_cap(too_high)
    assert (
        "daily_rate_max_above_cap" in replace(DEFAULT_PRODUCT, daily_rate_max=too_high).problems()
    )


def test_a_policy_priced_above_the_cap_is_brought_down_to_the_highest_rate_that_fits() -> None:
    # 0.070 % a day is over 24 % a year on any offer: the risk module must step it down
    greedy = replace(DEFAULT_POLICY, max_daily_rate=Decimal("0.00070"))
    top = price_table(risk.SCORECARD, greedy).top_rate
    assert all(within_the_cap(s) for s in DEFAULT_PRODUCT.offers_at(top, LEAP_YEAR))
    july = [date(2028, 7, 1)]  # three 31-day months: the costliest start
    one_up = top + greedy.rate_step
    assert not all(within_the_cap(s) for s in DEFAULT_PRODUCT.offers_at(one_up, july))
