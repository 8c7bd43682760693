"""The fast paths of lending.schedule give the very fen of the plain Decimal rules."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st

from lending.money import round_fen, round_fen_ratio
from lending.schedule import (
    RepaymentMethod,
    build_schedule,
    largest_equal_instalment_fen,
    period_interest_fen,
)

EI = RepaymentMethod.EQUAL_INSTALLMENT
# 31 significant digits: beyond a default Decimal context, whose rounding of the product must win
TOO_MANY_DIGITS = Decimal("0.0004999999999999999999999999999999")

rates = st.integers(0, 100_000).map(lambda n: Decimal(n) / 100_000_000)
starts = st.integers(0, 3_000).map(lambda n: date(2024, 1, 1) + timedelta(days=n))


@given(st.integers(-(10**12), 10**12), st.integers(1, 10**9))
@example(5, 10)  # exactly half a fen rounds up
@example(-5, 10)  # and away from zero below it
@example(4_999, 10_000)
def test_integer_rounding_is_round_fen(numerator: int, denominator: int) -> None:
    exact = Decimal(numerator) / Decimal(denominator)
    assert round_fen_ratio(numerator, denominator) == round_fen(exact)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 10**10),
    st.integers(1, 48),
    rates,
    starts,
    st.sampled_from((360, 365)),
)
@example(1_000, 2, Decimal("0.0005"), date(2026, 1, 15), 365)  # 15.5 fen in 31 days: 16
@example(1_000, 1, TOO_MANY_DIGITS, date(2026, 1, 15), 365)
def test_each_instalment_charges_the_decimal_rule_and_the_largest_is_found(
    principal_fen: int, term: int, rate: Decimal, start: date, day_count: int
) -> None:
    schedule = build_schedule(principal_fen, term, rate, EI, start, day_count=day_count)
    balance = principal_fen
    for inst in schedule.instalments:
        days = (inst.due_date - schedule.period_start(inst.number)).days
        assert inst.interest_fen == period_interest_fen(balance, rate, days)
        balance -= inst.principal_fen
    assert balance == 0
    largest = max(i.total_fen for i in schedule.instalments)
    assert largest_equal_instalment_fen(principal_fen, term, rate, start, day_count) == largest


def test_a_rate_beyond_decimal_precision_is_charged_as_decimal_rounds_it() -> None:
    # 1,000 fen x this rate x 31 days is 15.4999...969 exactly, 15.5 in 28 digits: 16 fen
    schedule = build_schedule(1_000, 1, TOO_MANY_DIGITS, EI, date(2026, 1, 15))
    assert schedule.instalments[0].interest_fen == 16
    assert largest_equal_instalment_fen(1_000, 1, TOO_MANY_DIGITS, date(2026, 1, 15)) == 1_016
