"""The pure packages stay pure: no framework, no database, so any transport or store can serve."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("aiogram", "telegram", "sqlalchemy", "sqlmodel", "aiosqlite", "asyncpg", "psycopg")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", ["flows", "lending", "risk"])
def test_pure_packages_import_no_framework_or_database(package: str) -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in imported_modules(path)
        if name.split(".")[0] in FORBIDDEN
    ]
    assert offenders == []


def test_transports_hold_no_business_rules() -> None:
    """bot/ may use flows' contract and wiring, never lending or risk directly."""
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / "bot").rglob("*.py"))
        for name in imported_modules(path)
        if name.split(".")[0] in ("lending", "risk")
    ]
    assert offenders == []


def test_the_running_bot_does_not_load_the_orm(tmp_path: Path) -> None:
    """SQLModel, SQLAlchemy and Alembic only define and migrate the tables (`run_bot.py
    migrate`): the bot checks the schema version without them and stays ~25 MB smaller (make
    bench measures the idle bot against its 120 MB budget)."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    program = (
        "import asyncio, sys, bot.wiring, bot.aiogram_transport, run_bot\n"
        "from bot.settings import load_settings\n"
        f"settings = load_settings(env_file=None, database_url={url!r})\n"
        "engine = asyncio.run(bot.wiring.build_conversation(settings))\n"
        "asyncio.run(bot.wiring.close(engine))\n"
        "print(sorted(m for m in ('sqlalchemy', 'sqlmodel', 'alembic') if m in sys.modules))"
    )
    subprocess.run([sys.executable, "-m", "storage.schema", url], cwd=ROOT, check=True)
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
