"""Loan-servicing core: money, products, schedules, APR, ledger, servicing. Pure: no I/O
(the CLI prints to stdout), no framework, no database.

Money is int fen everywhere; rates are Decimal. Rounding: ROUND_HALF_UP to the fen, once per
figure a borrower sees (lending.money.round_fen); see lending.schedule for the schedule rules and
lending.allocation for the repayment waterfall.

Public API
----------
lending.money
    round_fen(amount: Decimal) -> int ; yuan_to_fen(yuan: str | int | Decimal) -> int
    fen_to_yuan(fen: int) -> Decimal ; format_yuan(fen: int) -> str
    round_fen_ratio(numerator: int, denominator: int) -> int (round_fen of the exact quotient)
lending.apr
    AprQuote(periodic_irr: Decimal, apr_compound: Decimal, apr_simple: Decimal)
        .apr -> the shown basis (= apr_simple: IRR x periods a year, PBoC [2021] No. 3)
    irr(flows: Sequence[int]) -> float ; quote(flows, periods_per_year=12) -> AprQuote
    xirr(flows: Sequence[tuple[date, int]], day_count=365) -> float (effective annual)
    quote_dated(flows: Sequence[tuple[date, int]], day_count=365) -> AprQuote (period = a day)
    daily_rate_apr(daily_rate: Decimal) -> Decimal
lending.schedule
    RepaymentMethod(StrEnum): EQUAL_INSTALLMENT, EQUAL_PRINCIPAL, BULLET
    Instalment(number, due_date, principal_fen, interest_fen) ; .total_fen
    Schedule(principal_fen, start, daily_rate, method, instalments, fee_fen=0)
        .total_interest_fen .total_repayable_fen .total_cost_fen .disbursed_fen .apr -> AprQuote
        .cash_flows() -> list[int] ; .period_start(number) -> date
        .apr_within(cap, day_count=365) -> bool (exact: shown APR <= cap)
    build_schedule(principal_fen, term_months, daily_rate, method, start, *, fee_fen=0,
                   day_count=365, term_days=None) -> Schedule   (term_days: bullet only)
    add_months(start, months) -> date ; annuity_payment_fen(principal_fen, rate, periods) -> int
    largest_equal_instalment_fen(principal_fen, term_months, daily_rate, start, day_count=365)
        -> int (the largest payment of that equal-instalment schedule, no rows, no APR; cached)
lending.products
    Product(code, line_min_fen, line_max_fen, drawdown_min_fen, drawdown_max_fen,
            review_threshold_fen, terms, daily_rate_min, daily_rate_max, apr_cap, cap_basis,
            methods, bullet_max_days, day_count, freeze_after_dpd, penalty_multiplier)
        .penalty_daily_rate(daily_rate) -> Decimal ; .needs_review(principal_fen) -> bool
        .problems() -> list[str] ; .rate_fits_cap(daily_rate) -> bool
        .offers_at(daily_rate, starts) -> every schedule offered at that rate
    DEFAULT_PRODUCT ; STANDARD_TERMS (3, 6, 12) ; WEILIDAI_TERMS (3, 5, 6, 10, 12, 20)
    CapBasis(StrEnum): SIMPLE (default), COMPOUND ; Refusal(StrEnum): stable refusal codes
    check_offer(product, principal_fen, term_months, daily_rate, method, *, fee_fen=0,
                term_days=None, start=None) -> list[Refusal]   (empty = may be offered)
lending.ledger
    Posting(account: str, amount_fen: int)  (debit > 0, credit < 0)
    Entry(key: str, at: date, kind: str, postings: tuple[Posting, ...])  (sums to 0 or raises
        UnbalancedEntryError) ; entry(key, at, kind, {account: fen}) -> Entry
    Ledger(): .post(entry) -> bool (False on a known key) .balance(account, on=None) -> int
        .balances() .entries .total(kind) ; Ledger.from_entries(iterable)
    accounts: cash, interest_income, penalty_income, fee_income, borrower_credit,
        waiver_expense, write_off_expense, and per instalment "principal:N", "interest:N",
        "penalty:N" (receivable(kind, n))
lending.servicing (Loan and results re-exported from lending.loan / lending.close_of_business)
    Loan(loan_id, schedule, penalty_daily_rate: Decimal, entries=(), closed_through=None,
         freeze_after_dpd=1) ; .status: approved | active | closed | written_off
         .with_entries(entries) -> Loan
    open_loan(loan_id, schedule, product=DEFAULT_PRODUCT) -> Loan
    disburse(loan, at, key) -> Entry
    repay(loan, amount_fen, on, key) -> RepaymentResult(loan, entries, allocation: Allocation,
        balances: Balances, closed: bool, replayed: bool)
        raises OverpaymentError(.payoff_fen), LoanClosedError, LoanNotActiveError,
        IdempotencyConflictError (all ServicingError, a ValueError); principal paid before
        its due date stops earning interest: result.loan may carry a new schedule to store
    payoff_quote(loan, on) -> PayoffQuote(on, principal_fen, interest_fen, penalty_fen,
        credit_fen, fee_fen=0) ; .total_fen
    run_day(loan, day) -> DayResult(loan, day, entries, days_past_due, bucket,
        overdue_instalments, freeze, status) ; run_days(loan, start, end) -> list[DayResult]
    balances(loan, on=None) -> Balances(principal_fen, interest_fen, penalty_fen, credit_fen)
    states(loan, on=None) -> tuple[InstalmentState, ...]
    next_due(loan, on) -> Instalment | None ; amount_due(loan, on) -> int
    days_past_due(loan, on) -> int ; bucket(dpd) -> "current" | "1-30" | "31-60" | "61-90" | "90+"
    waive(loan, on, key, *, penalty_fen=0, interest_fen=0) -> Entry | None
    write_off(loan, on, key) -> Entry | None
    outstanding_principal(loan) -> int
    available_credit(limit_fen, loans, *, frozen=False) -> int ; should_freeze(loans, on) -> bool
lending.prepayment
    Keep(StrEnum): TERM (lower instalment), INSTALMENT (shorter term)
    plan_prepayment(loan, amount_fen, on, keep) -> PrepaymentPlan(.schedule, .new_instalments,
        .principal_reduction_fen, .interest_to_date_fen, .interest_saved_fen...)
        raises NotAPrepaymentError when the amount is not between what is due and the payoff
    prepay(loan, plan, key) -> RepaymentResult (the loan carries the plan's schedule)
lending.delinquency
    penalty_accrued_fen(principal_days, daily_rate) -> int (exact, rounded down once)
lending.cli: python -m lending quote --amount 10000 --term 12 --daily-rate 0.0005
    --method equal_installment [--fee 0] [--start 2026-01-15] [--term-days N] [--json]
"""
