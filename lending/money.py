"""Money is an integer number of fen; this module is the only place that rounds.

Rule: a Decimal amount of fen becomes an int with ROUND_HALF_UP (0.5 fen rounds away from zero),
applied once per figure a borrower sees (one instalment's interest, one day's penalty), never to
intermediate products. Yuan strings are parsed exactly; an amount with sub-fen digits is refused
rather than silently rounded, because it is a typing mistake, not a price.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN_PER_YUAN = 100


def round_fen(amount: Decimal) -> int:
    """Round a Decimal number of fen to a whole fen, half up."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def yuan_to_fen(yuan: str | int | Decimal) -> int:
    """Exact conversion of a yuan amount ("10000", "99.5", Decimal) to fen."""
    try:
        value = Decimal(str(yuan).strip().replace(",", ""))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {yuan!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not an amount: {yuan!r}")
    fen = value * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise ValueError(f"amount has more than two decimals: {yuan!r}")
    return int(fen)


def fen_to_yuan(fen: int) -> Decimal:
    """The exact yuan value of `fen`, with two decimals (for display and JSON)."""
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def format_yuan(fen: int) -> str:
    """Plain yuan with thousands separators, 1,234.56 (locale formatting is Babel's job)."""
    return f"{fen_to_yuan(fen):,}"


def round_fen_ratio(numerator: int, denominator: int) -> int:
    """`numerator / denominator` fen rounded to a whole fen, half up, as round_fen would round
    the same exact quotient; integers only, for loops that round thousands of times."""
    if denominator <= 0:
        raise ValueError("the denominator must be positive")
    magnitude = (2 * abs(numerator) + denominator) // (2 * denominator)
    return magnitude if numerator >= 0 else -magnitude
