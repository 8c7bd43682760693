from datetime import date

import pytest

from lending.ledger import Entry, Ledger, Posting, UnbalancedEntryError, entry

DAY = date(2026, 1, 15)


def test_an_unbalanced_entry_cannot_be_built() -> None:
    with pytest.raises(UnbalancedEntryError):
        Entry("k", DAY, "repayment", (Posting("cash", 100), Posting("principal:1", -99)))
    with pytest.raises(TypeError):
        Posting("cash", 1.5)  # type: ignore[arg-type]


def test_posting_a_key_twice_has_no_second_effect() -> None:
    ledger = Ledger()
    first = entry("pay-1", DAY, "repayment", {"cash": 500, "principal:1": -500})
    assert ledger.post(first) is True
    assert (
        ledger.post(entry("pay-1", DAY, "repayment", {"cash": 900, "principal:1": -900})) is False
    )
    assert ledger.balance("cash") == 500
    assert len(ledger.entries) == 1
    assert "pay-1" in ledger


def test_balances_as_of_a_date_and_rebuilt_from_entries() -> None:
    entries = [
        entry("a", DAY, "disbursement", {"principal:1": 1000, "cash": -1000}),
        entry("b", date(2026, 2, 1), "repayment", {"cash": 400, "principal:1": -400}),
    ]
    ledger = Ledger.from_entries([*entries, entries[0]])
    assert ledger.balance("principal:1") == 600
    assert ledger.balance("principal:1", on=DAY) == 1000
    assert ledger.total("principal") == 600
    assert sum(ledger.balances().values()) == 0


def test_balances_leave_out_settled_accounts_and_entries_iterate_in_posting_order() -> None:
    lent = entry("a", DAY, "disbursement", {"principal:1": 1000, "cash": -1000})
    repaid = entry("b", date(2026, 2, 1), "repayment", {"cash": 1000, "principal:1": -1000})
    fee = entry("c", date(2026, 2, 1), "fee", {"principal:2": 50, "fee_income": -50})
    ledger = Ledger.from_entries([lent, repaid, fee])
    assert ledger.balances() == {"principal:2": 50, "fee_income": -50}
    assert [item.key for item in ledger] == ["a", "b", "c"]
