"""No schedule the bot can offer, at any rate the risk module prices, from any start date in a
year, shows an APR above the cap on the shown basis."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import risk
from lending.products import DEFAULT_PRODUCT, over_cap, year_of_starts
from risk.decide import price_table
from risk.policy import DEFAULT_POLICY


def priced_rates() -> list[Decimal]:
    return sorted({p.daily_rate for p in price_table(risk.SCORECARD, DEFAULT_POLICY).prices})


def test_every_offer_at_every_priced_rate_and_start_is_within_the_cap() -> None:
    rates = priced_rates()
    assert len(rates) > 20 and rates[-1] <= DEFAULT_PRODUCT.daily_rate_max
    starts = year_of_starts()
    checked = 0
    for rate in rates:
        for schedule in DEFAULT_PRODUCT.offers_at(rate, starts):
            assert not over_cap(DEFAULT_PRODUCT, schedule), (rate, schedule.start)
            checked += 1
    assert checked == len(rates) * len(starts) * 2 * 2 * 3


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
