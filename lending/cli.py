"""Command-line quote: `python -m lending quote --amount 10000 --term 12 --daily-rate 0.0005
--method equal_installment [--fee 0] [--start 2026-01-15] [--term-days 30] [--json]`.

Amounts are given and printed in yuan (two decimals, exact); rates as decimals (0.0005 = 0.05%
a day). The APR printed first is the compounded IRR figure; the simple one is labelled simple.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from lending.money import fen_to_yuan, format_yuan, yuan_to_fen
from lending.products import DEFAULT_PRODUCT, check_offer
from lending.schedule import RepaymentMethod, Schedule, build_schedule


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text}") from exc


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lending")
    commands = parser.add_subparsers(dest="command", required=True)
    q = commands.add_parser("quote", help="print a repayment schedule and its APR")
    q.add_argument("--amount", required=True, help="principal in yuan, e.g. 10000 or 2500.50")
    q.add_argument("--term", type=int, default=1, help="term in months")
    q.add_argument("--term-days", type=int, default=None, help="bullet term in days")
    q.add_argument("--daily-rate", type=_decimal, required=True, help="e.g. 0.0005")
    q.add_argument(
        "--method", choices=[m.value for m in RepaymentMethod], default="equal_installment"
    )
    q.add_argument("--fee", default="0", help="upfront fee in yuan, deducted at payout")
    q.add_argument("--start", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
    q.add_argument("--day-count", type=int, default=365)
    q.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


def _pct(rate: Decimal, places: int = 4) -> str:
    return str((rate * 100).quantize(Decimal(1).scaleb(-places)))


def quote_document(schedule: Schedule, refusals: Sequence[str] = ()) -> dict[str, Any]:
    """The quote as JSON-ready data: money as yuan strings, rates as decimal strings."""
    apr = schedule.apr
    return {
        "principal": str(fen_to_yuan(schedule.principal_fen)),
        "fee": str(fen_to_yuan(schedule.fee_fen)),
        "disbursed": str(fen_to_yuan(schedule.disbursed_fen)),
        "start": schedule.start.isoformat(),
        "method": schedule.method.value,
        "daily_rate": str(schedule.daily_rate),
        "schedule": [
            {
                "number": i.number,
                "due_date": i.due_date.isoformat(),
                "principal": str(fen_to_yuan(i.principal_fen)),
                "interest": str(fen_to_yuan(i.interest_fen)),
                "total": str(fen_to_yuan(i.total_fen)),
            }
            for i in schedule.instalments
        ],
        "total_interest": str(fen_to_yuan(schedule.total_interest_fen)),
        "total_repayable": str(fen_to_yuan(schedule.total_repayable_fen)),
        "total_cost": str(fen_to_yuan(schedule.total_cost_fen)),
        "periodic_irr": str(apr.periodic_irr),
        "apr": str(apr.apr),  # the shown basis (lending.apr)
        "apr_compound": str(apr.apr_compound),
        "apr_simple": str(apr.apr_simple),
        "refusals": list(refusals),
    }


def _table(schedule: Schedule, refusals: Sequence[str]) -> str:
    apr = schedule.apr
    lines = [
        f"Principal {format_yuan(schedule.principal_fen)}  fee {format_yuan(schedule.fee_fen)}  "
        f"paid out {format_yuan(schedule.disbursed_fen)}  daily rate {_pct(schedule.daily_rate)}%"
        f"  method {schedule.method.value}",
        "",
        f"{'#':>3}  {'due date':<10}  {'principal':>12}  {'interest':>10}  {'payment':>12}",
    ]
    for i in schedule.instalments:
        lines.append(
            f"{i.number:>3}  {i.due_date.isoformat():<10}  {format_yuan(i.principal_fen):>12}  "
            f"{format_yuan(i.interest_fen):>10}  {format_yuan(i.total_fen):>12}"
        )
    lines += [
        "",
        f"Total interest     {format_yuan(schedule.total_interest_fen)}",
        f"Total repayable    {format_yuan(schedule.total_repayable_fen)}",
        f"APR (IRR x periods a year, the shown basis)  {_pct(apr.apr, 2)}%",
        f"compounded, for reference  {_pct(apr.apr_compound, 2)}%",
    ]
    if refusals:
        lines.append("Not offerable under the default product: " + ", ".join(refusals))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        amount = yuan_to_fen(args.amount)
        fee = yuan_to_fen(args.fee)
        method = RepaymentMethod(args.method)
        term_days = args.term_days if method is RepaymentMethod.BULLET else None
        start = args.start or date.today()
        schedule = build_schedule(
            amount,
            args.term,
            args.daily_rate,
            method,
            start,
            fee_fen=fee,
            day_count=args.day_count,
            term_days=term_days,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    refusals = [
        str(r)
        for r in check_offer(
            DEFAULT_PRODUCT,
            amount,
            args.term,
            args.daily_rate,
            method,
            fee_fen=fee,
            term_days=term_days,
            start=start,
        )
    ]
    if args.json:
        print(json.dumps(quote_document(schedule, refusals), ensure_ascii=False, indent=2))
    else:
        print(_table(schedule, refusals))
    return 0
