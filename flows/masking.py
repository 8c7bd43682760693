"""How personal data is shown: enough to recognise, never enough to reuse."""

from __future__ import annotations


def mask_id_number(number: str) -> str:
    """3201**********1234: region prefix and last four only."""
    if len(number) < 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_phone(phone: str) -> str:
    """+86 138****8000."""
    digits = phone.removeprefix("+86")
    if len(digits) < 7:
        return "*" * len(digits)
    prefix = "+86 " if phone.startswith("+86") else ""
    return prefix + digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
