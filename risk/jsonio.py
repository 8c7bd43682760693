"""Applications and decisions as JSON, for the command line and for audit exports.

Input naming a protected attribute is refused outright, not silently dropped: whoever sends it
must learn that it cannot be used.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from enum import Enum
from typing import Any, get_type_hints

from risk.application import Application, Decision, InviterStanding, PolicyContext
from risk.features import PROTECTED_INPUT_KEYS


class InputError(ValueError):
    pass


def _protected_keys(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if str(key).strip().lower() in PROTECTED_INPUT_KEYS:
                found.add(str(key))
            found |= _protected_keys(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= _protected_keys(inner)
    return found


def _build(cls: type, data: dict[str, Any]) -> Any:
    known = {f.name: f for f in fields(cls)}
    hints = get_type_hints(cls)
    unknown = set(data) - set(known)
    if unknown:
        raise InputError(f"unknown fields for {cls.__name__}: {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for name, value in data.items():
        kind = hints[name]
        try:
            if isinstance(kind, type) and issubclass(kind, Enum):
                values[name] = kind(value)
            elif name == "as_of":
                values[name] = date.fromisoformat(value)
            else:
                values[name] = value
        except ValueError as error:
            raise InputError(f"{name}: {error}") from error
    try:
        return cls(**values)
    except TypeError as error:
        raise InputError(str(error)) from error


def parse_request(document: Any) -> tuple[Application, PolicyContext]:
    """{"application": {...}, "context": {...}} (context optional, as_of defaults to today)."""
    if not isinstance(document, dict):
        raise InputError("expected a JSON object")
    protected = _protected_keys(document)
    if protected:
        raise InputError(
            "protected attributes are never used for credit decisions and must not be sent: "
            + ", ".join(sorted(protected))
        )
    application_data = document.get("application", document)
    context_data = dict(document.get("context", {}))
    context_data.setdefault("as_of", date.today().isoformat())
    inviter = context_data.pop("inviter", None)
    context: PolicyContext = _build(PolicyContext, context_data)
    if inviter is not None:
        standing = _build(InviterStanding, inviter)
        context = PolicyContext(**{**_as_dict(context), "inviter": standing})
    application: Application = _build(Application, application_data)
    for name in ("monthly_income_fen", "requested_amount_fen", "outside_monthly_repayments_fen"):
        value = getattr(application, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InputError(f"{name}: a whole, non-negative number of fen")
    return application, context


def _as_dict(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


def decision_to_json(decision: Decision) -> dict[str, Any]:
    return {
        "outcome": decision.outcome.value,
        "score": decision.score,
        "probability_of_default": round(decision.probability_of_default, 6),
        "grade": decision.grade,
        "limit_fen": decision.limit_fen,
        "daily_rate": str(decision.daily_rate),
        "apr": str(decision.apr.quantize(decision.apr.__class__("0.0001"))),
        "reasons": [{"code": r.code, "message": r.message} for r in decision.reasons],
        "retry_after_days": decision.retry_after_days,
        "scorecard_version": decision.scorecard_version,
        "inputs_hash": decision.inputs_hash,
        "valid_until": decision.valid_until.isoformat() if decision.valid_until else None,
        "rules_fired": list(decision.rules_fired),
    }
