from datetime import date, timedelta
from decimal import Decimal

import numpy_financial as npf
import pytest

from lending.apr import daily_rate_apr, irr, quote, quote_dated, xirr
from lending.money import fen_to_yuan, format_yuan, round_fen, yuan_to_fen


def test_half_a_fen_rounds_up_and_below_half_rounds_down() -> None:
    assert round_fen(Decimal("0.5")) == 1
    assert round_fen(Decimal("1.4999")) == 1
    assert round_fen(Decimal("2.5")) == 3  # not banker's rounding


def test_yuan_amounts_convert_exactly_and_sub_fen_amounts_are_refused() -> None:
    assert yuan_to_fen("10000") == 1_000_000
    assert yuan_to_fen("0.1") == 10
    assert yuan_to_fen("1,234.56") == 123_456
    with pytest.raises(ValueError):
        yuan_to_fen("1.005")
    with pytest.raises(ValueError):
        yuan_to_fen("ten")
    assert fen_to_yuan(123_456) == Decimal("1234.56")
    assert format_yuan(123_456_789) == "1,234,567.89"


def test_pboc_worked_example() -> None:
    """PBoC [2021] No. 3: 100,000 lent, 1,000 fee upfront, 12 payments of 8,833.30."""
    flows = [-(10_000_000 - 100_000)] + [883_330] * 12
    apr = quote(flows)
    assert apr.periodic_irr == pytest.approx(Decimal("0.01067"), abs=Decimal("0.00001"))
    assert round(apr.apr_simple * 100, 2) == Decimal("12.80")
    assert round(apr.apr_compound * 100, 2) == Decimal("13.58")
    assert irr(flows) == pytest.approx(npf.irr(flows), abs=1e-9)


def test_irr_refuses_flows_without_an_outlay() -> None:
    with pytest.raises(ValueError):
        irr([100, 50])


def test_dated_irr_of_a_month_matches_the_periodic_irr_over_equal_days() -> None:
    start = date(2026, 1, 1)
    flows = [(start, -10_000)] + [(start + timedelta(days=365 * k), 6_000) for k in (1, 2)]
    assert xirr(flows) == pytest.approx(irr([-10_000, 6_000, 6_000]), abs=1e-12)
    one = quote_dated([(start, -10_000), (start + timedelta(days=30), 10_150)])
    assert float(one.apr_compound) == pytest.approx(1.015 ** (365 / 30) - 1, abs=1e-9)
    assert one.apr_simple < one.apr_compound


def test_daily_rate_apr_is_the_simple_annual_figure() -> None:
    # PBoC [2021] No. 3 annualises simply: a monthly IRR of 0.05 % x 365 / 12, times 12
    assert daily_rate_apr(Decimal("0.0005")) == Decimal("0.1825")
