import itertools
from datetime import date
from decimal import Decimal

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lending.schedule import (
    RepaymentMethod,
    add_months,
    annuity_payment_fen,
    build_schedule,
    monthly_rate,
)

START = date(2026, 1, 15)
EI = RepaymentMethod.EQUAL_INSTALLMENT
EP = RepaymentMethod.EQUAL_PRINCIPAL


def test_due_dates_keep_the_start_day_clamped_to_month_end() -> None:
    sched = build_schedule(1_000_000, 4, Decimal("0.0005"), EI, date(2026, 1, 31))
    assert [i.due_date for i in sched.instalments] == [
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
    ]
    assert add_months(date(2027, 12, 31), 2) == date(2028, 2, 29)


def test_equal_instalments_are_equal_except_the_last_and_match_numpy_financial() -> None:
    rate = Decimal("0.0005")
    sched = build_schedule(1_000_000, 12, rate, EI, START)
    payments = [i.total_fen for i in sched.instalments]
    expected = round(-npf.pmt(float(monthly_rate(rate)), 12, 1_000_000))
    assert payments[:-1] == [expected] * 11
    assert abs(payments[-1] - expected) < 1_000  # the last absorbs rounding and day drift
    assert sum(i.principal_fen for i in sched.instalments) == 1_000_000


def test_interest_is_charged_for_the_actual_days_of_each_period() -> None:
    sched = build_schedule(1_000_000, 3, Decimal("0.0005"), EP, START)
    first, second, _ = sched.instalments
    assert first.interest_fen == 1_000_000 * 31 // 2000  # 15 Jan -> 15 Feb, 31 days
    assert second.interest_fen == round((1_000_000 - first.principal_fen) * 0.0005 * 28)


def test_equal_principal_gives_the_remainder_to_the_last_instalment() -> None:
    sched = build_schedule(1_000_001, 3, Decimal("0.0005"), EP, START)
    assert [i.principal_fen for i in sched.instalments] == [333_333, 333_333, 333_335]
    interests = [i.interest_fen for i in sched.instalments]
    assert interests[0] > interests[-1]


def test_bullet_of_thirty_days_repays_everything_once() -> None:
    sched = build_schedule(
        500_000, 1, Decimal("0.0005"), RepaymentMethod.BULLET, START, term_days=30
    )
    (only,) = sched.instalments
    assert (only.due_date - START).days == 30
    assert only.principal_fen == 500_000
    assert only.interest_fen == 7_500
    assert sched.apr.apr_compound == pytest.approx(Decimal(1.015 ** (365 / 30) - 1))


def test_a_thirty_day_bullet_is_annualised_on_its_thirty_days_not_as_a_month() -> None:
    # 1 April to 1 May is 30 days and ends on the start's day of the month
    start = date(2026, 4, 1)
    sched = build_schedule(
        1_000_000, 1, Decimal("0.0005"), RepaymentMethod.BULLET, start, term_days=30
    )
    assert sched.instalments[0].due_date == date(2026, 5, 1)
    # 1.5 % over 30 days: daily IRR (1.015 ** (1/30) - 1), x 365 on the shown basis
    daily = 1.015 ** (1 / 30) - 1
    assert float(sched.apr.apr) == pytest.approx(daily * 365, abs=1e-9)
    assert float(sched.apr.apr) != pytest.approx(0.015 * 12, abs=1e-4)  # not "one month"


def test_schedule_apr_matches_numpy_irr_and_includes_the_fee() -> None:
    sched = build_schedule(10_000_000, 12, Decimal("0.0004"), EI, START, fee_fen=100_000)
    flows = sched.cash_flows()
    assert flows[0] == -9_900_000
    assert float(sched.apr.periodic_irr) == pytest.approx(npf.irr(flows), abs=1e-9)
    without_fee = build_schedule(10_000_000, 12, Decimal("0.0004"), EI, START)
    assert sched.apr.apr_compound > without_fee.apr.apr_compound


def test_annuity_with_zero_rate_splits_the_principal() -> None:
    assert annuity_payment_fen(1_200, Decimal(0), 12) == 100
    sched = build_schedule(1_000, 3, Decimal(0), EI, START)
    assert [i.total_fen for i in sched.instalments] == [333, 333, 334]


@pytest.mark.parametrize(
    ("principal", "term", "fee"), [(0, 12, 0), (100, 0, 0), (100, 3, 100), (100, 3, -1)]
)
def test_nonsense_inputs_are_refused(principal: int, term: int, fee: int) -> None:
    with pytest.raises(ValueError):
        build_schedule(principal, term, Decimal("0.0005"), EI, START, fee_fen=fee)


@settings(max_examples=60, deadline=None)
@given(
    principal=st.integers(min_value=1, max_value=20_000_000),
    term=st.sampled_from([1, 3, 5, 6, 10, 12, 20, 24]),
    rate=st.decimals(min_value=Decimal(0), max_value=Decimal("0.001"), places=6),
    method=st.sampled_from([EI, EP, RepaymentMethod.BULLET]),
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    fee_share=st.integers(min_value=0, max_value=5),
)
def test_schedule_properties(
    principal: int, term: int, rate: Decimal, method: RepaymentMethod, start: date, fee_share: int
) -> None:
    fee = principal * fee_share // 100
    sched = build_schedule(principal, term, rate, method, start, fee_fen=fee)
    rows = sched.instalments
    assert sum(i.principal_fen for i in rows) == principal
    assert all(i.principal_fen >= 0 and i.interest_fen >= 0 for i in rows)
    assert [i.number for i in rows] == list(range(1, len(rows) + 1))
    assert all(a.due_date < b.due_date for a, b in itertools.pairwise(rows))
    assert sched.total_repayable_fen == principal + sched.total_interest_fen
    if method is EI and principal >= 100_000:
        assert len({i.total_fen for i in rows[:-1]}) <= 1
    if sched.total_interest_fen + fee > 0 and sched.is_dated:
        annual = float(sched.apr.apr_compound)
        npv = sum(
            flow / (1 + annual) ** ((when - start).days / 365)
            for when, flow in [(start, -sched.disbursed_fen)]
            + [(i.due_date, i.total_fen) for i in rows]
        )
        assert abs(npv) < 1e-6 * principal
    elif sched.total_interest_fen + fee > 0:
        recomputed = npf.irr(sched.cash_flows())
        assert float(sched.apr.periodic_irr) == pytest.approx(recomputed, abs=1e-9)
        assert float(sched.apr.apr_compound) == pytest.approx((1 + recomputed) ** 12 - 1, abs=1e-8)
