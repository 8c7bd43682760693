"""The fingerprint of what a decision was made on."""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields
from typing import Any

from risk.application import Application, PolicyContext

_APPLICATION_FIELDS = tuple(f.name for f in fields(Application))
# built once: json.dumps with options builds an encoder per call
_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"))


def canonical_inputs(app: Application, ctx: PolicyContext) -> dict[str, Any]:
    context: dict[str, Any] = {
        "as_of": ctx.as_of.isoformat(),
        "duplicate_identity": ctx.duplicate_identity,
        "duplicate_phone": ctx.duplicate_phone,
        "has_overdue_loan": ctx.has_overdue_loan,
        "account_frozen": ctx.account_frozen,
        "existing_monthly_debt_fen": ctx.existing_monthly_debt_fen,
    }
    # without consent the inviter is not part of the decision, so not part of its fingerprint
    if ctx.inviter is not None:
        context["inviter"] = {
            "has_overdue": ctx.inviter.has_overdue,
            "tenure_days": ctx.inviter.tenure_days,
        }
    # enum answers are str subclasses: JSON writes their values
    application = {name: getattr(app, name) for name in _APPLICATION_FIELDS}
    return {"application": application, "context": context}


def inputs_hash(app: Application, ctx: PolicyContext) -> str:
    text = _CANONICAL_JSON.encode(canonical_inputs(app, ctx))
    return hashlib.sha256(text.encode()).hexdigest()
