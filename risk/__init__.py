"""The in-process risk decision: policy rules, an explainable scorecard, a line and a price.

    decision = risk.assess(application, context)

Pure Python at run time; the scorecard (risk/scorecard.json) is loaded once, at import.
"""

from __future__ import annotations

from risk.application import Application, Decision, PolicyContext
from risk.decide import assess_with
from risk.policy import DEFAULT_POLICY, RiskPolicy
from risk.scorecard import Scorecard, load_scorecard

SCORECARD: Scorecard = load_scorecard()
SCORECARD_VERSION: str = SCORECARD.version


def assess(
    application: Application, context: PolicyContext, *, product: RiskPolicy | None = None
) -> Decision:
    """Decide one application; `product` overrides the default policy (rates, caps, rules)."""
    return assess_with(SCORECARD, application, context, product or DEFAULT_POLICY)


__all__ = ["SCORECARD_VERSION", "RiskPolicy", "assess"]
