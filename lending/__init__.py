"""Loan-servicing core: money, products, schedules, APR, ledger, servicing. Pure: no I/O.

(The full public API is documented below as modules land.)
"""
