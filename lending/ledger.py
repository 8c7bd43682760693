"""A double-entry ledger of fen with idempotency keys.

Sign convention: a posting's amount is positive for a debit and negative for a credit, so every
entry sums to zero and every account's balance is the sum of its postings. Receivables (what the
borrower owes) carry positive balances; income, the lender's cash paid out and money held for the
borrower carry negative ones.

An entry's key is its idempotency key: posting an already-posted key has no second effect, which
is what makes a replayed Telegram update or a close-of-business run repeated after a crash safe.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

# Accounts of one loan. Receivables are kept per instalment ("principal:3") so the allocation of
# every repayment to every instalment can be read back from the ledger alone.
CASH = "cash"  # the lender's settlement account
INTEREST_INCOME = "interest_income"
PENALTY_INCOME = "penalty_income"
FEE_INCOME = "fee_income"
BORROWER_CREDIT = "borrower_credit"  # money received and held for the borrower (a liability)
WAIVER_EXPENSE = "waiver_expense"
WRITE_OFF_EXPENSE = "write_off_expense"
PRINCIPAL = "principal"
INTEREST = "interest"
PENALTY = "penalty"
RECEIVABLES = (PRINCIPAL, INTEREST, PENALTY)


def receivable(kind: str, number: int) -> str:
    """The account of one instalment's principal, interest or penalty, e.g. "interest:3"."""
    if kind not in RECEIVABLES:
        raise ValueError(f"not a receivable: {kind}")
    return f"{kind}:{number}"


def split_receivable(account: str) -> tuple[str, int] | None:
    kind, sep, number = account.partition(":")
    if not sep or kind not in RECEIVABLES or not number.isdigit():
        return None
    return kind, int(number)


class UnbalancedEntryError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Posting:
    account: str
    amount_fen: int  # debit > 0, credit < 0

    def __post_init__(self) -> None:
        if not isinstance(self.amount_fen, int) or isinstance(self.amount_fen, bool):
            raise TypeError("amounts are whole fen (int)")
        if not self.account:
            raise ValueError("a posting needs an account")


@dataclass(frozen=True, slots=True)
class Entry:
    key: str  # idempotency key, unique in a ledger
    at: date
    kind: str  # disbursement, accrual, penalty, repayment, credit_applied, waiver, write_off
    postings: tuple[Posting, ...]

    def __post_init__(self) -> None:
        if not self.key:
            raise ValueError("an entry needs an idempotency key")
        if len(self.postings) < 2:
            raise UnbalancedEntryError(f"{self.key}: an entry needs two postings or more")
        total = sum(p.amount_fen for p in self.postings)
        if total != 0:
            raise UnbalancedEntryError(f"{self.key}: postings sum to {total}, not 0")

    def amount(self, account: str) -> int:
        return sum(p.amount_fen for p in self.postings if p.account == account)


def entry(key: str, at: date, kind: str, amounts: dict[str, int]) -> Entry:
    """An entry from account -> amount, leaving out zero amounts, in a stable account order."""
    postings = tuple(Posting(a, v) for a, v in sorted(amounts.items()) if v != 0)
    return Entry(key, at, kind, postings)


class Ledger:
    """An in-memory ledger; the storage layer rebuilds one with `from_entries`."""

    def __init__(self) -> None:
        self._entries: list[Entry] = []
        self._keys: set[str] = set()
        self._balances: defaultdict[str, int] = defaultdict(int)

    @classmethod
    def from_entries(cls, entries: Iterable[Entry]) -> Ledger:
        ledger = cls()
        for item in entries:
            ledger.post(item)
        return ledger

    def post(self, item: Entry) -> bool:
        """Record `item`; False (and no effect) when its key was already posted."""
        if item.key in self._keys:
            return False
        self._keys.add(item.key)
        self._entries.append(item)
        for posting in item.postings:
            self._balances[posting.account] += posting.amount_fen
        return True

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._entries)

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(self._entries)

    def balance(self, account: str, on: date | None = None) -> int:
        """The balance of `account`, or as at the end of day `on`."""
        if on is None:
            return self._balances.get(account, 0)
        return sum(
            p.amount_fen
            for e in self._entries
            if e.at <= on
            for p in e.postings
            if p.account == account
        )

    def balances(self) -> dict[str, int]:
        return {a: v for a, v in self._balances.items() if v != 0}

    def total(self, kind: str) -> int:
        """Sum over every per-instalment account of one receivable kind ("principal"...)."""
        return sum(v for a, v in self._balances.items() if a.startswith(kind + ":"))
