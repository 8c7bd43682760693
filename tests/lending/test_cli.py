import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import numpy_financial as npf
import pytest

from lending.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_json_quote_has_schedule_totals_and_both_aprs(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "quote",
            "--amount",
            "10000",
            "--term",
            "12",
            "--daily-rate",
            "0.0005",
            "--method",
            "equal_installment",
            "--start",
            "2026-01-15",
            "--json",
        ]
    )
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    rows = doc["schedule"]
    assert len(rows) == 12 and rows[0]["due_date"] == "2026-02-15"
    assert sum(Decimal(r["principal"]) for r in rows) == Decimal("10000.00")
    assert Decimal(doc["total_interest"]) == sum(Decimal(r["interest"]) for r in rows)
    assert Decimal(doc["total_repayable"]) == Decimal("10000") + Decimal(doc["total_interest"])
    flows = [-1_000_000] + [int(Decimal(r["total"]) * 100) for r in rows]
    monthly = npf.irr(flows)
    assert float(doc["apr_compound"]) == pytest.approx((1 + monthly) ** 12 - 1, abs=1e-9)
    assert float(doc["apr_simple"]) == pytest.approx(monthly * 12, abs=1e-9)
    assert doc["apr"] == doc["apr_simple"]  # one basis: what every screen shows
    assert doc["refusals"] == []


def test_fee_is_deducted_and_raises_the_apr(capsys: pytest.CaptureFixture[str]) -> None:
    base = [
        "quote",
        "--amount",
        "10000",
        "--term",
        "6",
        "--daily-rate",
        "0.0004",
        "--start",
        "2026-03-31",
        "--json",
    ]
    main(base)
    plain = json.loads(capsys.readouterr().out)
    main([*base, "--fee", "100"])
    with_fee = json.loads(capsys.readouterr().out)
    assert with_fee["disbursed"] == "9900.00"
    assert Decimal(with_fee["apr"]) > Decimal(plain["apr"])
    assert plain["schedule"][1]["due_date"] == "2026-05-31"


def test_readable_table_labels_the_simple_rate(capsys: pytest.CaptureFixture[str]) -> None:
    main(
        [
            "quote",
            "--amount",
            "5000",
            "--term",
            "3",
            "--daily-rate",
            "0.0005",
            "--method",
            "equal_principal",
            "--start",
            "2026-01-15",
        ]
    )
    out = capsys.readouterr().out
    assert "APR (IRR x periods a year, the shown basis)" in out and "compounded" in out
    assert "1,666.66" in out and "1,666.68" in out


def test_bad_amount_is_an_error_not_a_rounded_quote(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["quote", "--amount", "10.005", "--term", "3", "--daily-rate", "0.0005"]) == 2
    assert "two decimals" in capsys.readouterr().err


def test_module_entry_point_runs() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "lending",
            "quote",
            "--amount",
            "1000",
            "--term",
            "3",
            "--daily-rate",
            "0.0005",
            "--start",
            "2026-01-15",
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert json.loads(done.stdout)["total_repayable"].startswith("10")
