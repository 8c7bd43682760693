"""The sandbox payment rail: pays out and collects instantly, moves no real money.

A real rail (bank transfer, wallet) would confirm asynchronously; this one exists so the whole
journey can be tried end to end, and its references say SANDBOX so nobody mistakes them.
"""

from __future__ import annotations

import hashlib


def sandbox_payout_reference(loan_id: str) -> str:
    return f"SANDBOX-PAYOUT-{loan_id.upper()}"


def sandbox_payment_reference(key: str) -> str:
    return "SANDBOX-PAY-" + hashlib.sha256(key.encode()).hexdigest()[:10].upper()
