from datetime import date

import pytest

from lending.ledger import (
    Entry,
    Ledger,
    Posting,
    UnbalancedEntryError,
    entry,
    receivable,
    split_receivable,
)

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


def test_only_instalment_receivables_split_into_kind_and_number() -> None:
    assert split_receivable("interest:3") == ("interest", 3)
    for account in ("cash", "cash:1", "principal:x", "principal:", "fee_income"):
        assert split_receivable(account) is None, account
    with pytest.raises(ValueError, match="not a receivable: fee"):
        receivable("fee", 1)


def test_a_malformed_posting_or_entry_says_what_is_wrong() -> None:
    """The messages end up in the log of a refused step: they name the problem."""
    with pytest.raises(TypeError, match=r"^amounts are whole fen \(int\)$"):
        Posting("cash", 1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^a posting needs an account$"):
        Posting("", 1)
    with pytest.raises(ValueError, match=r"^an entry needs an idempotency key$"):
        entry("", DAY, "repayment", {"cash": 1, "principal:1": -1})
    with pytest.raises(UnbalancedEntryError, match=r"^k: an entry needs two postings or more$"):
        Entry("k", DAY, "repayment", (Posting("cash", 0),))
    with pytest.raises(UnbalancedEntryError, match=r"^k: postings sum to 1, not 0$"):
        entry("k", DAY, "repayment", {"cash": 100, "principal:1": -99})
