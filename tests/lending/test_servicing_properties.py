"""Random lives of a loan never unbalance the ledger nor lose or create a fen."""

from datetime import timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from lending.ledger import (
    BORROWER_CREDIT,
    CASH,
    FEE_INCOME,
    INTEREST_INCOME,
    PENALTY_INCOME,
    Ledger,
    split_receivable,
)
from lending.schedule import RepaymentMethod, build_schedule
from lending.servicing import (
    Loan,
    LoanClosedError,
    OverpaymentError,
    balances,
    disburse,
    open_loan,
    payoff_quote,
    repay,
    run_day,
    states,
)
from tests.lending.conftest import START

actions = st.lists(
    st.one_of(
        st.tuples(st.just("advance"), st.integers(min_value=1, max_value=45)),
        st.tuples(st.just("pay"), st.integers(min_value=1, max_value=400_000)),
        st.tuples(st.just("pay_share"), st.integers(min_value=1, max_value=120)),
        st.tuples(st.just("replay"), st.just(0)),
    ),
    min_size=1,
    max_size=12,
)


def check_invariants(loan: Loan, paid: int) -> None:
    ledger = Ledger.from_entries(loan.entries)
    assert sum(ledger.balances().values()) == 0
    for account, fen in ledger.balances().items():
        if split_receivable(account) is not None:
            assert fen >= 0, account
    held = -ledger.balance(BORROWER_CREDIT)
    assert held >= 0
    sched = loan.schedule
    assert ledger.balance(CASH) == paid - sched.disbursed_fen
    assert ledger.balance(FEE_INCOME) == -sched.fee_fen
    owed = balances(loan)
    interest_paid = -ledger.balance(INTEREST_INCOME) - owed.interest_fen
    penalty_paid = -ledger.balance(PENALTY_INCOME) - owed.penalty_fen
    principal_paid = sched.principal_fen - owed.principal_fen
    # Every fen received is either settling something or held for the borrower.
    assert paid == principal_paid + interest_paid + penalty_paid + held
    for state in states(loan):
        assert 0 <= state.interest_accrued_fen <= state.instalment.interest_fen
        assert 0 <= state.principal_fen <= state.instalment.principal_fen
    if loan.status == "closed":
        assert owed.owed_fen == 0 and held == 0


@settings(max_examples=40, deadline=None)
@given(
    principal=st.integers(min_value=10_000, max_value=4_000_000),
    term=st.sampled_from([3, 6, 12]),
    rate=st.decimals(min_value=Decimal("0.0002"), max_value=Decimal("0.00065"), places=5),
    method=st.sampled_from([RepaymentMethod.EQUAL_INSTALLMENT, RepaymentMethod.EQUAL_PRINCIPAL]),
    fee_share=st.integers(min_value=0, max_value=3),
    steps=actions,
)
def test_random_repayments_and_days_keep_every_fen(
    principal: int,
    term: int,
    rate: Decimal,
    method: RepaymentMethod,
    fee_share: int,
    steps: list[tuple[str, int]],
) -> None:
    schedule = build_schedule(
        principal, term, rate, method, START, fee_fen=principal * fee_share // 100
    )
    loan = open_loan("P", schedule)
    loan = loan.with_entries([disburse(loan, START, "P:disbursement")])
    today, paid, last_key = START, 0, None
    for number, (action, value) in enumerate(steps):
        if action == "advance":
            today += timedelta(days=value)
            loan = run_day(loan, today).loan
        elif action == "replay" and last_key is not None:
            before = loan
            again = repay(loan, last_key[1], last_key[2], last_key[0])
            assert again.replayed and again.loan == before
        elif action in ("pay", "pay_share"):
            if loan.status == "closed":
                try:
                    repay(loan, 100, today, f"k{number}")
                    raise AssertionError("a closed loan took money")
                except LoanClosedError:
                    continue
            payoff = payoff_quote(loan, today).total_fen
            amount = value if action == "pay" else max(payoff * value // 100, 1)
            try:
                result = repay(loan, amount, today, f"k{number}")
            except OverpaymentError as refused:
                assert amount > payoff == refused.payoff_fen
                continue
            assert result.closed == (amount == payoff)
            loan, paid = result.loan, paid + amount
            last_key = (f"k{number}", amount, today)
        check_invariants(loan, paid)
    check_invariants(loan, paid)
