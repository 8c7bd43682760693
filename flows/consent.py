"""The purposes we ask consent for, one screen each (PIPL arts. 14, 29: specific and separate).

A consent's text is versioned; what the person saw is recorded by version and by the hash of
the text in their language, so we can later prove exactly what they agreed to.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flows.i18n import N_, Texts
from flows.states import State

CONSENT_TEXT_VERSION = "2026-11-01"


@dataclass(frozen=True, slots=True)
class Purpose:
    code: str
    state: State
    required: bool
    title: str
    body: str


PURPOSES: tuple[Purpose, ...] = (
    Purpose(
        "assessment",
        State.CONSENT_ASSESSMENT,
        True,
        N_("Consent 1 of 4 (required): identity and credit assessment"),
        N_(
            "Purpose: to verify who you are and to decide whether and how much we can lend.\n"
            "Data used: your name, phone number, employment, income and the answers to our questionnaire.\n"
            "Kept: for 5 years after your last loan is repaid, as anti-money-laundering rules require; never sold, never shared for marketing."
        ),
    ),
    Purpose(
        "sensitive",
        State.CONSENT_SENSITIVE,
        True,
        N_("Consent 2 of 4 (required): sensitive personal information"),
        N_(
            "Purpose: your resident ID number and financial information are sensitive personal information. We need them to verify your identity and to assess repayment ability.\n"
            "Data used: resident ID number, income, bank balance range, existing loans.\n"
            "Protection: encrypted at rest, shown only masked, used for nothing else.\n"
            "Kept: for 5 years after your last loan is repaid."
        ),
    ),
    Purpose(
        "invite",
        State.CONSENT_INVITE,
        False,
        N_("Consent 3 of 4 (optional): use of your invitation"),
        N_(
            "Purpose: to take into account, in the credit assessment, whether the person who invited you repays on time.\n"
            "Data used: only that person's repayment standing and how long they have been a customer. Nothing about you is shared with them.\n"
            "Declining changes nothing else."
        ),
    ),
    Purpose(
        "marketing",
        State.CONSENT_MARKETING,
        False,
        N_("Consent 4 of 4 (optional): marketing messages"),
        N_(
            "Purpose: to send you occasional offers, such as a credit line increase (never applied without your explicit yes).\n"
            "Data used: your chat id and language.\n"
            "You can withdraw at any time; repayment reminders are not marketing and are sent either way."
        ),
    ),
)

BY_STATE = {purpose.state: purpose for purpose in PURPOSES}


def consent_text(t: Texts, purpose: Purpose) -> str:
    return f"{t._(purpose.title)}\n\n{t._(purpose.body)}"


def text_hash(text: str) -> str:
    return hashlib.sha256(f"{CONSENT_TEXT_VERSION}\n{text}".encode()).hexdigest()
