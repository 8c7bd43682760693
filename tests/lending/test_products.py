from dataclasses import replace
from decimal import Decimal

from lending.products import (
    DEFAULT_PRODUCT,
    WEILIDAI_TERMS,
    CapBasis,
    Refusal,
    check_offer,
)
from lending.schedule import RepaymentMethod

EI = RepaymentMethod.EQUAL_INSTALLMENT
RATE = Decimal("0.0005")


def test_a_plain_offer_is_accepted() -> None:
    assert check_offer(DEFAULT_PRODUCT, 1_000_000, 12, RATE, EI) == []
    assert DEFAULT_PRODUCT.problems() == []


def test_amount_term_method_and_rate_bounds_are_refused_with_codes() -> None:
    assert check_offer(DEFAULT_PRODUCT, 9_999, 12, RATE, EI) == [Refusal.AMOUNT_BELOW_MINIMUM]
    assert check_offer(DEFAULT_PRODUCT, 4_000_001, 12, RATE, EI) == [Refusal.AMOUNT_ABOVE_MAXIMUM]
    assert check_offer(DEFAULT_PRODUCT, 1_000_000, 10, RATE, EI) == [Refusal.TERM_NOT_ALLOWED]
    assert check_offer(DEFAULT_PRODUCT, 1_000_000, 12, Decimal("0.0001"), EI) == [
        Refusal.RATE_BELOW_MINIMUM
    ]
    assert Refusal.RATE_ABOVE_MAXIMUM in check_offer(
        DEFAULT_PRODUCT, 1_000_000, 12, Decimal("0.0007"), EI
    )
    assert check_offer(DEFAULT_PRODUCT, 1_000_000, 12, RATE, "weekly") == [
        Refusal.METHOD_NOT_ALLOWED
    ]
    weilidai = replace(DEFAULT_PRODUCT, terms=WEILIDAI_TERMS)
    assert check_offer(weilidai, 1_000_000, 20, RATE, EI) == []


def test_a_fee_that_pushes_the_apr_over_the_cap_is_refused() -> None:
    top = DEFAULT_PRODUCT.daily_rate_max
    assert check_offer(DEFAULT_PRODUCT, 1_000_000, 12, top, EI) == []
    refused = check_offer(DEFAULT_PRODUCT, 1_000_000, 12, top, EI, fee_fen=20_000)
    assert refused == [Refusal.APR_ABOVE_CAP]
    assert "apr_above_cap" in refused  # codes are plain strings for the flows


def test_a_compound_cap_basis_is_stricter_and_flags_the_product() -> None:
    strict = replace(DEFAULT_PRODUCT, cap_basis=CapBasis.COMPOUND)
    top = strict.daily_rate_max  # 0.065% a day compounds to about 26.5%
    assert check_offer(strict, 1_000_000, 12, top, EI) == [Refusal.APR_ABOVE_CAP]
    assert any(p.startswith("apr_above_cap") for p in strict.problems())


def test_bullet_only_for_configured_products_and_at_most_thirty_days() -> None:
    bullet = RepaymentMethod.BULLET
    assert check_offer(DEFAULT_PRODUCT, 100_000, 1, RATE, bullet, term_days=30) == [
        Refusal.METHOD_NOT_ALLOWED
    ]
    product = replace(DEFAULT_PRODUCT, methods=(*DEFAULT_PRODUCT.methods, bullet))
    assert check_offer(product, 100_000, 1, RATE, bullet, term_days=30) == []
    assert check_offer(product, 100_000, 1, RATE, bullet, term_days=31) == [
        Refusal.TERM_NOT_ALLOWED
    ]


def test_penalty_rate_stays_within_the_cap() -> None:
    assert DEFAULT_PRODUCT.penalty_daily_rate(Decimal("0.0002")) == Decimal("0.0003")
    capped = DEFAULT_PRODUCT.penalty_daily_rate(Decimal("0.0006"))
    assert capped == Decimal("0.24") / 365
    assert capped * 365 <= DEFAULT_PRODUCT.apr_cap


def test_large_drawdowns_go_to_review_above_the_threshold() -> None:
    product = replace(DEFAULT_PRODUCT, review_threshold_fen=2_000_000)
    assert not product.needs_review(2_000_000)
    assert product.needs_review(2_000_001)
