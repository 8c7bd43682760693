from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import numpy_financial as npf
import pytest

import risk
from lending.apr import daily_rate_apr
from lending.schedule import RepaymentMethod, build_schedule
from risk.affordability import largest_instalment_fen
from risk.application import InviterStanding, Outcome, Purpose
from risk.decide import price_table
from risk.policy import DEFAULT_POLICY, RiskPolicy
from risk.pricing import REFERENCE_START
from tests.risk.factory import context, random_applications, solid, weak

APPS = random_applications(3000)


def test_solid_borrower_is_approved_with_a_priced_line() -> None:
    decision = risk.assess(solid(), context())
    assert decision.outcome is Outcome.APPROVED
    assert decision.grade == "A"
    assert decision.limit_fen > 0 and decision.limit_fen % 10_000 == 0
    assert DEFAULT_POLICY.min_daily_rate <= decision.daily_rate <= DEFAULT_POLICY.max_daily_rate
    # the APR shown is that of the default offer's real schedule, on the simple basis
    shown = build_schedule(
        DEFAULT_POLICY.shown_amount_fen,
        DEFAULT_POLICY.shown_term_months,
        decision.daily_rate,
        RepaymentMethod.EQUAL_INSTALLMENT,
        REFERENCE_START,
    )
    flows = [-shown.principal_fen] + [i.total_fen for i in shown.instalments]
    assert float(decision.apr) == pytest.approx(npf.irr(flows) * 12, abs=1e-9)
    assert abs(decision.apr - daily_rate_apr(decision.daily_rate)) < Decimal("0.002")
    assert decision.valid_until == context().as_of + timedelta(days=30)


def test_weak_borrower_is_declined_with_reasons_and_a_retry_date() -> None:
    decision = risk.assess(weak(), context())
    assert decision.outcome is Outcome.DECLINED
    assert decision.limit_fen == 0
    assert decision.retry_after_days == DEFAULT_POLICY.retry_after_score_days
    codes = [r.code for r in decision.reasons]
    assert codes[0] == "S_SCORE_TOO_LOW"
    assert {"F_NO_BANK_ACCOUNT", "F_PAST_DELAYS"} <= set(codes[1:])


def test_every_decline_explains_itself() -> None:
    declines = [
        d for d in (risk.assess(a, context()) for a in APPS) if d.outcome is Outcome.DECLINED
    ]
    assert len(declines) > 100
    for decision in declines:
        assert decision.reasons
        assert all(r.code and r.message for r in decision.reasons)
        assert decision.retry_after_days > 0


def test_score_declines_name_the_factors_that_cost_most() -> None:
    from risk.mapping import feature_values
    from risk.reasons import factor_reason

    app = weak()
    decision = risk.assess(app, context())
    factors = [r for r in decision.reasons if r.code.startswith("F_")]
    assert 1 <= len(factors) <= DEFAULT_POLICY.max_reasons
    card = risk.SCORECARD
    values = feature_values(app, 0)
    points = card.points(values)
    gaps: dict[str, int] = {}
    for feature, earned in zip(card.features, points, strict=True):
        reason = factor_reason(feature.name, values[feature.name])
        if reason is not None and feature.best > earned:
            gaps[reason.code] = max(gaps.get(reason.code, 0), feature.best - earned)
    named = [gaps[r.code] for r in factors]
    assert named == sorted(named, reverse=True)
    shown = {r.code for r in factors}
    assert min(named) >= max((g for c, g in gaps.items() if c not in shown), default=0)


def test_limit_never_above_income_third_or_absolute_cap() -> None:
    for app in APPS:
        for inviter in (None, InviterStanding(has_overdue=False, tenure_days=400)):
            decision = risk.assess(app, context(inviter=inviter))
            assert decision.limit_fen <= 20_000_000
            assert decision.limit_fen <= app.monthly_income_fen * 12 // 3
            if decision.outcome is not Outcome.DECLINED:
                assert decision.limit_fen >= DEFAULT_POLICY.min_limit_fen


def test_rich_borrower_hits_the_absolute_cap() -> None:
    decision = risk.assess(solid(monthly_income_fen=100_000_000), context())
    assert decision.limit_fen == 20_000_000


def test_apr_of_every_approval_is_within_the_cap() -> None:
    approved = [d for d in (risk.assess(a, context()) for a in APPS) if d.limit_fen]
    assert approved
    assert max(d.apr for d in approved) <= DEFAULT_POLICY.apr_cap
    # the riskiest approvals pay more than the safest
    assert len({d.daily_rate for d in approved}) > 3


def test_a_product_whose_top_rate_breaks_the_cap_is_priced_under_it() -> None:
    product = RiskPolicy(max_daily_rate=Decimal("0.001"), apr_cap=Decimal("0.18"))
    for app in APPS[:500]:
        decision = risk.assess(app, context(), product=product)
        if decision.limit_fen:
            assert decision.apr <= Decimal("0.18")


def test_large_requests_go_to_manual_review() -> None:
    threshold = DEFAULT_POLICY.review_threshold_fen
    at = risk.assess(solid(requested_amount_fen=threshold, requested_term_months=12), context())
    above = risk.assess(
        solid(requested_amount_fen=threshold + 1, requested_term_months=12), context()
    )
    assert at.outcome is Outcome.APPROVED
    assert above.outcome is Outcome.REVIEW
    assert above.reasons[0].code == "R_LARGE_AMOUNT"


def test_line_below_minimum_is_declined() -> None:
    product = RiskPolicy(min_monthly_income_fen=0, max_debt_to_income=Decimal(100))
    decision = risk.assess(solid(monthly_income_fen=10_000), context(), product=product)
    assert decision.outcome is Outcome.DECLINED
    assert decision.reasons[0].code == "L_LIMIT_TOO_LOW"


def test_invite_signal_is_bounded_and_only_read_with_consent() -> None:
    app = solid(monthly_income_fen=800_000)
    base = risk.assess(app, context()).limit_fen
    good = risk.assess(app, context(inviter=InviterStanding(False, 365))).limit_fen
    new = risk.assess(app, context(inviter=InviterStanding(False, 30))).limit_fen
    bad = risk.assess(app, context(inviter=InviterStanding(True, 365))).limit_fen
    bound = min(base // 10, DEFAULT_POLICY.invite_cap_fen)
    assert good == base  # already at a third of annual income: the invite cannot pass the cap
    assert new == base
    assert base - bound - 10_000 < bad < base
    # below grade A the line is under the income cap, so a good inviter can raise it
    lower = next(
        a
        for a in APPS
        if risk.assess(a, context()).grade in ("C", "D") and a.monthly_income_fen < 3_000_000
    )
    plain = risk.assess(lower, context())
    raised = risk.assess(lower, context(inviter=InviterStanding(False, 365)))
    assert plain.limit_fen < raised.limit_fen <= plain.limit_fen + DEFAULT_POLICY.invite_cap_fen
    # a tenth of the line before it is cut to whole hundreds, so up to one step more
    assert (
        raised.limit_fen - plain.limit_fen <= plain.limit_fen // 10 + DEFAULT_POLICY.limit_step_fen
    )


def test_without_consent_the_inviter_leaves_no_trace() -> None:
    without = risk.assess(solid(), context())
    with_ = risk.assess(solid(), context(inviter=InviterStanding(True, 10)))
    assert without.inputs_hash != with_.inputs_hash
    assert without == risk.assess(solid(), context(inviter=None))


def test_same_input_same_decision_and_hash() -> None:
    for app in APPS[:200]:
        first = risk.assess(app, context())
        assert first == risk.assess(replace(app), context())
        assert len(first.inputs_hash) == 64
        assert first.scorecard_version == risk.SCORECARD_VERSION
    assert (
        risk.assess(solid(), context()).inputs_hash
        != risk.assess(solid(age=36), context()).inputs_hash
    )


@pytest.mark.parametrize("car_is_new", [True, False, None])
def test_car_condition_only_refines_the_car_purpose(car_is_new: bool | None) -> None:
    scores = {
        flag: risk.assess(solid(purpose=Purpose.CAR, car_is_new=flag), context()).score
        for flag in (True, False, None)
    }
    # the pooled answer scores between the two it stands for, never as the better one
    low, high = sorted((scores[True], scores[False]))
    assert low <= scores[None] <= high and low < high
    other = risk.assess(solid(car_is_new=car_is_new), context()).score
    assert other == risk.assess(solid(), context()).score


def test_a_policy_decline_offers_nothing_and_carries_no_score() -> None:
    decision = risk.assess(solid(age=17), context())
    assert decision.outcome is Outcome.DECLINED and decision.rules_fired == ("P_AGE",)
    assert (decision.score, decision.grade, decision.limit_fen) == (0, "", 0)
    assert decision.probability_of_default == 0.0
    assert decision.daily_rate == Decimal(0) and decision.apr == Decimal(0)
    assert decision.retry_after_days == DEFAULT_POLICY.retry_after_policy_days == 90
    assert decision.valid_until == context().as_of + timedelta(days=30)


def test_a_score_decline_holds_for_thirty_days_like_an_offer() -> None:
    decision = risk.assess(weak(), context())
    assert decision.outcome is Outcome.DECLINED and decision.score > 0
    assert decision.grade == DEFAULT_POLICY.declined_grade
    assert 0.0 < decision.probability_of_default < 1.0
    assert (decision.limit_fen, decision.daily_rate, decision.apr) == (0, Decimal(0), Decimal(0))
    assert decision.valid_until == context().as_of + timedelta(days=30)


def test_good_grades_are_approved_without_reasons_and_the_others_are_told_why() -> None:
    approved = [
        d for d in (risk.assess(a, context()) for a in APPS) if d.outcome is Outcome.APPROVED
    ]
    quiet = [d for d in approved if d.grade in DEFAULT_POLICY.grades_without_reasons]
    told = [d for d in approved if d.grade not in DEFAULT_POLICY.grades_without_reasons]
    assert quiet and told
    assert all(d.reasons == () for d in quiet)
    assert all(d.reasons and all(r.code.startswith("F_") for r in d.reasons) for d in told)
    assert all(0.0 < d.probability_of_default < 1.0 for d in approved)


def test_a_line_exactly_at_the_minimum_is_still_offered() -> None:
    limit = risk.assess(solid(), context()).limit_fen
    at_minimum = risk.assess(solid(), context(), product=RiskPolicy(min_limit_fen=limit))
    assert at_minimum.outcome is Outcome.APPROVED and at_minimum.limit_fen == limit
    above = risk.assess(solid(), context(), product=RiskPolicy(min_limit_fen=limit + 1))
    assert above.outcome is Outcome.DECLINED and above.reasons[0].code == "L_LIMIT_TOO_LOW"


def test_a_policy_never_priced_before_gets_its_own_table_once() -> None:
    """The price table is cached per policy; a new policy (made unique here, since a warm cache
    would hide the build) is priced under its own top rate, and built only once."""
    policy = RiskPolicy(
        max_daily_rate=Decimal("0.0004"), min_limit_fen=50_000 + time.monotonic_ns() % 100_000
    )
    table = price_table(risk.SCORECARD, policy)
    assert (
        table.top_rate <= Decimal("0.0004") < price_table(risk.SCORECARD, DEFAULT_POLICY).top_rate
    )
    assert price_table(risk.SCORECARD, policy) is table


def test_a_line_whose_repayment_fills_the_room_exactly_is_granted_whole() -> None:
    """Affordability at the fen: when what the income leaves for repayments (half of it, less
    every repayment the person makes) equals the line's largest instalment exactly, the line is
    granted; one fen less room and it drops a step. Nothing repaid elsewhere adds nothing."""
    offer = risk.assess(solid(), context())
    instalment = largest_instalment_fen(
        offer.limit_fen,
        DEFAULT_POLICY.affordability_term_months,
        offer.daily_rate,
        context().as_of,
    )
    half_the_income = solid().monthly_income_fen // 2
    exact = context(existing_monthly_debt_fen=half_the_income - instalment)
    granted = risk.assess(solid(outside_monthly_repayments_fen=0), exact)
    assert granted.outcome is Outcome.APPROVED and granted.limit_fen == offer.limit_fen
    one_fen_less = context(existing_monthly_debt_fen=half_the_income - instalment + 1)
    smaller = risk.assess(solid(outside_monthly_repayments_fen=0), one_fen_less).limit_fen
    assert smaller == offer.limit_fen - DEFAULT_POLICY.limit_step_fen
