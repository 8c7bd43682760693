"""Personal data at rest: no birth date in plaintext, keys rotated without losing a field."""

from __future__ import annotations

import subprocess
from datetime import date

import pytest
from cryptography.fernet import Fernet

from flows.ports import Identity, run_to_end
from storage import PiiVault
from storage.pii import PiiKeyError, verify_key
from storage.rotation import rotate_all, rotate_identities, rotate_vault_rows
from storage.sql import Tx
from storage.store import TxStore
from tests.flows.harness import TEST_PII_KEY, Harness, database_bytes, onboard, resident_id

BIRTH = date(1990, 3, 7)


async def test_the_birth_date_is_nowhere_in_plaintext(any_bot: Harness) -> None:
    person = any_bot.person()
    await onboard(person, await any_bot.invite(), birth=BIRTH)
    identity = await any_bot.store.identity(1)
    assert identity is not None and identity.birth_date == BIRTH  # still read back
    shown = ("1990-03-07", "1990/03/07", "07.03.1990")
    if any_bot.url.startswith("sqlite"):
        stored = database_bytes(any_bot.path)
    else:
        url = any_bot.url.replace("postgresql+psycopg://", "postgresql://")
        stored = subprocess.run(["pg_dump", url], capture_output=True, check=True).stdout
        assert b"CREATE TABLE public.identities" in stored  # the dump is real
    for text in shown:
        assert text.encode() not in stored


async def test_rotation_interrupted_and_resumed_leaves_everything_readable_with_the_new_key(
    any_bot: Harness,
) -> None:
    bot = any_bot
    await bot.db.run(lambda tx: verify_key(tx, bot.store.vault))
    invite = await bot.invite()
    await onboard(bot.person(501), invite, birth=BIRTH)
    await onboard(bot.person(502), invite, birth=date(1985, 6, 1), phone="+86 139 0000 1111")
    new_key = Fernet.generate_key().decode()
    both = PiiVault(f"{new_key},{TEST_PII_KEY}")
    await bot.db.run(lambda tx: verify_key(tx, both))
    # A first run that dies after one batch of one row.
    await bot.db.run(lambda tx: rotate_vault_rows(tx, both))
    await bot.db.run(lambda tx: rotate_identities(tx, both, 0, 1))
    resumed = await rotate_all(bot.db, both, batch_size=1)
    assert (resumed.fields, resumed.current) == (4, 6)  # the second person; the rest was done
    again = await rotate_all(bot.db, both)
    assert again.fields == 0
    alone = PiiVault(new_key)
    await bot.db.run(lambda tx: verify_key(tx, alone))
    with pytest.raises(PiiKeyError):
        await bot.db.run(lambda tx: verify_key(tx, PiiVault(TEST_PII_KEY)))

    def read(tx: Tx) -> tuple[list[Identity | None], bool]:
        store = TxStore(tx, alone)
        identities = [run_to_end(store.identity(user)) for user in (1, 2)]
        return identities, run_to_end(store.identity_taken(None, resident_id(BIRTH)))

    identities, duplicate_found = await bot.db.run(read)
    assert all(identities)
    assert [i.birth_date for i in identities if i] == [BIRTH, date(1985, 6, 1)]
    assert [i.name for i in identities if i] == ["Li Wei", "Li Wei"]
    assert identities[0] and identities[0].id_number == resident_id(BIRTH)
    assert (
        identities[1]
        and identities[1].phone is not None
        and identities[1].phone.endswith("13900001111")
    )
    assert duplicate_found  # the lookup hash still finds the ID number


async def test_rotate_pii_key_command_reports_counts(tmp_path, monkeypatch, capsys) -> None:
    import run_bot

    url = f"sqlite:///{tmp_path / 'bot.db'}"
    bot = Harness(tmp_path / "bot.db", url=url)
    await bot.db.run(lambda tx: verify_key(tx, bot.store.vault))
    await onboard(bot.person(), await bot.invite(), birth=BIRTH)
    await bot.close()
    new_key = Fernet.generate_key().decode()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PII_KEY", f"{new_key},{TEST_PII_KEY}")
    monkeypatch.chdir(tmp_path)
    settings = run_bot.load_settings()
    await run_bot.rotate_pii_key(settings, batch=10)
    out = capsys.readouterr().out
    assert "Re-encrypted 6 fields" in out and "3 rows read" in out  # 4 of a person, 2 of the vault
    monkeypatch.setenv("PII_KEY", new_key)
    await run_bot.rotate_pii_key(run_bot.load_settings(), batch=10)
    assert "Re-encrypted 0 fields" in capsys.readouterr().out


async def test_a_database_from_before_the_stored_lookup_key_keeps_finding_duplicates(
    bot_sqlite: Harness,
) -> None:
    bot = bot_sqlite
    await onboard(bot.person(), await bot.invite(), birth=BIRTH)
    # Such a database has the canary but no stored lookup key: its hashes were keyed by PII_KEY.
    await bot.db.run(lambda tx: verify_key(tx, bot.store.vault))
    await bot.db.run(lambda tx: tx.execute("DELETE FROM pii_lookup_key"))
    rotating = PiiVault(f"{Fernet.generate_key().decode()},{TEST_PII_KEY}")
    await bot.db.run(lambda tx: verify_key(tx, rotating))
    await rotate_all(bot.db, rotating)

    def taken(tx: Tx) -> bool:
        return run_to_end(TxStore(tx, rotating).identity_taken(None, resident_id(BIRTH)))

    assert await bot.db.run(taken)
    stored = await bot.db.run(lambda tx: tx.scalar("SELECT COUNT(*) FROM pii_lookup_key"))
    assert stored == 1


def test_pii_key_may_hold_several_keys_each_a_fernet_key() -> None:
    from bot.settings import SettingsError, load_settings

    two = f"{Fernet.generate_key().decode()}, {TEST_PII_KEY}"
    assert load_settings(env_file=None, pii_key=two).pii_key is not None
    with pytest.raises(SettingsError):
        load_settings(env_file=None, pii_key=f"{TEST_PII_KEY},not-a-key")
