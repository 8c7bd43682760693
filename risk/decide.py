"""The decision: policy rules, then score, grade, price and line."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from risk.affordability import affordable_line_fen, largest_instalment_fen
from risk.application import Application, Decision, Outcome, PolicyContext, Reason
from risk.audit import inputs_hash
from risk.mapping import feature_values
from risk.policy import DEFAULT_POLICY, RiskPolicy
from risk.pricing import PriceTable, build_price_table, credit_line_fen
from risk.reasons import (
    LIMIT_TOO_LOW,
    POLICY_REASONS,
    REVIEW_LARGE_AMOUNT,
    SCORE_TOO_LOW,
    top_factors,
)
from risk.rules import fired_rules
from risk.scorecard import Scorecard

_ZERO = Decimal(0)
_price_tables: dict[tuple[str, RiskPolicy], PriceTable] = {}


def price_table(card: Scorecard, policy: RiskPolicy) -> PriceTable:
    key = (card.version, policy)
    table = _price_tables.get(key)
    if table is None:
        table = _price_tables[key] = build_price_table(card, policy)
    return table


def assess_with(
    card: Scorecard,
    app: Application,
    ctx: PolicyContext,
    policy: RiskPolicy = DEFAULT_POLICY,
) -> Decision:
    fingerprint = inputs_hash(app, ctx)
    valid_until = ctx.as_of + timedelta(days=policy.valid_days)
    table = price_table(card, policy)
    # the affordability rule takes the real schedule at the highest rate anyone may be offered
    instalment = largest_instalment_fen(
        app.requested_amount_fen, app.requested_term_months, table.top_rate, ctx.as_of
    )
    fired = fired_rules(app, ctx, policy, instalment)
    if fired:
        # a policy decline carries no score: the score was never consulted
        return Decision(
            outcome=Outcome.DECLINED,
            score=0,
            probability_of_default=0.0,
            grade="",
            limit_fen=0,
            daily_rate=_ZERO,
            apr=_ZERO,
            reasons=tuple(POLICY_REASONS[code] for code in fired),
            retry_after_days=policy.retry_after_policy_days,
            scorecard_version=card.version,
            inputs_hash=fingerprint,
            valid_until=valid_until,
            rules_fired=fired,
        )

    values = feature_values(app, instalment)
    points = card.points(values)
    score = card.base_points + sum(points)
    price = table.at(score)

    def declined(reasons: tuple[Reason, ...]) -> Decision:
        return Decision(
            outcome=Outcome.DECLINED,
            score=score,
            probability_of_default=price.probability_of_default,
            grade=price.grade,
            limit_fen=0,
            daily_rate=_ZERO,
            apr=_ZERO,
            reasons=reasons,
            retry_after_days=policy.retry_after_score_days,
            scorecard_version=card.version,
            inputs_hash=fingerprint,
            valid_until=valid_until,
        )

    factors = top_factors(card, points, values, policy.max_reasons)
    if price.grade == policy.declined_grade:
        return declined((SCORE_TOO_LOW, *factors))
    monthly_debt = ctx.existing_monthly_debt_fen + max(app.outside_monthly_repayments_fen, 0)
    limit = affordable_line_fen(
        app.monthly_income_fen,
        monthly_debt,
        price.daily_rate,
        ctx.as_of,
        policy,
        at_most=credit_line_fen(app.monthly_income_fen, price.grade, policy, ctx.inviter),
    )
    if limit < policy.min_limit_fen:
        return declined((LIMIT_TOO_LOW, *factors))
    review = app.requested_amount_fen > policy.review_threshold_fen
    reasons = () if price.grade in policy.grades_without_reasons else factors
    return Decision(
        outcome=Outcome.REVIEW if review else Outcome.APPROVED,
        score=score,
        probability_of_default=price.probability_of_default,
        grade=price.grade,
        limit_fen=limit,
        daily_rate=price.daily_rate,
        apr=price.apr,
        reasons=(REVIEW_LARGE_AMOUNT, *reasons) if review else reasons,
        scorecard_version=card.version,
        inputs_hash=fingerprint,
        valid_until=valid_until,
    )
