"""Buttons that work from any screen, like a command: the Repay button of a reminder.

An ordinary button carries its screen number and is refused once that screen has passed. A
reminder arrives outside the conversation, while the borrower may be anywhere in it, so its
button carries no screen: "g:repay:<loan id>". The data is still only a request: the loan must be
one of the presser's own open loans at the moment of the press, and the move goes through the
transition table like /repay. A forged id, another person's loan or a loan repaid meanwhile gets
"this button has expired" and changes nothing; a second tap opens the same repay screen again
(flows/global_presses.py).
"""

from __future__ import annotations

from flows.events import Button

GLOBAL = "g"  # in place of the screen number
REPAY = "repay:"


def repay_button(label: str, loan_id: str) -> Button:
    return Button(label, f"{GLOBAL}:{REPAY}{loan_id}")


def is_global(token: str) -> bool:
    return token.startswith(f"{GLOBAL}:")
