"""The fast money format is Babel's, amount for amount, in every supported language."""

from __future__ import annotations

import random

import pytest

from flows.i18n import SUPPORTED_LOCALES, _money_shape, babel_money, texts


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_amount_reads_as_babel_writes_it(locale: str) -> None:
    assert _money_shape(locale) is not None  # the fast path is the one in use
    rng = random.Random(7)
    amounts = [0, 1, 9, 10, 99, 100, 101, 99_999, 100_000, 123_456_789, -1, -150_000]
    amounts += [rng.randrange(0, 10 ** rng.randrange(1, 14)) for _ in range(2000)]
    t = texts(locale)
    for fen in amounts:
        assert t.money(fen) == babel_money(locale, fen), fen
