"""Personal data at rest: encrypted for reading back, keyed-hashed for finding duplicates.

PII_KEY holds one or more Fernet keys separated by commas: the first encrypts, every one
decrypts (MultiFernet), so a new key can be put in front and the data re-encrypted at leisure
(`python run_bot.py rotate-pii-key`, storage/rotation.py).

The duplicate-lookup hashes use their own key, which never changes with the encryption key:
on a database's first start it is derived from the first PII_KEY and stored, encrypted like
any other field, in `pii_lookup_key`; later starts read it back. So rotating or dropping an old
encryption key never leaves an ID number's hash unfindable. A keyed hash, unlike a plain one,
cannot be reversed by hashing every possible ID number.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from storage.sql import Tx


class PiiKeyError(ValueError):
    pass


def _legacy_lookup_key(key: str) -> bytes:
    """How the lookup key was derived before it was stored: databases written then keep it."""
    return hashlib.sha256(b"chatlend-lookup:" + base64.urlsafe_b64decode(key)).digest()


def split_keys(keys: str) -> list[str]:
    return [key.strip() for key in keys.split(",") if key.strip()]


class PiiVault:
    def __init__(self, keys: str) -> None:
        self.keys = split_keys(keys)
        try:
            if not self.keys:
                raise ValueError("no key")
            self._fernets = [Fernet(key.encode()) for key in self.keys]
        except (ValueError, TypeError) as error:
            raise PiiKeyError(
                "PII_KEY must be one or more url-safe base64 32-byte keys separated by commas"
                " (Fernet.generate_key())"
            ) from error
        self._multi = MultiFernet(self._fernets)
        self._hash_key = _legacy_lookup_key(self.keys[0])

    def encrypt(self, value: str) -> str:
        return self._multi.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._multi.decrypt(token.encode()).decode()
        except InvalidToken as error:
            raise PiiKeyError("personal data cannot be decrypted with this PII_KEY") from error

    def is_current(self, token: str) -> bool:
        """Encrypted with the first key already (nothing for a rotation to do)."""
        try:
            self._fernets[0].decrypt(token.encode())
        except InvalidToken:
            return False
        return True

    def rotate(self, token: str) -> str:
        """The same value encrypted with the first key."""
        try:
            return self._multi.rotate(token.encode()).decode()
        except InvalidToken as error:
            raise PiiKeyError("personal data cannot be decrypted with this PII_KEY") from error

    def lookup_hash(self, value: str) -> str:
        return hmac.new(self._hash_key, value.encode(), hashlib.sha256).hexdigest()

    def use_lookup_key(self, key: bytes) -> None:
        self._hash_key = key

    @property
    def lookup_key(self) -> bytes:
        return self._hash_key


CANARY = "chatlend vault check"


def verify_key(tx: Tx, vault: PiiVault) -> None:
    """Stop unless `vault` holds a key this database's personal data was written with, and
    give it the database's lookup-hash key.

    The first start records a canary and the lookup key; every later start must decrypt both
    and reproduce the canary's keyed hash. Checked before any update is handled, so a wrong key
    can neither write data nobody can read back nor let a duplicate ID number slip past a hash
    that no longer matches.
    """
    row = tx.one("SELECT canary_enc, lookup_check FROM vault_check WHERE id = 1")
    stored_key = tx.scalar("SELECT key_enc FROM pii_lookup_key WHERE id = 1")
    if row is None:
        tx.execute(
            "INSERT INTO vault_check (id, canary_enc, lookup_check) VALUES (1, :enc, :check)",
            enc=vault.encrypt(CANARY),
            check=vault.lookup_hash(CANARY),
        )
        _store_lookup_key(tx, vault)
        return
    try:
        readable = vault.decrypt(row.canary_enc) == CANARY
        if stored_key is not None:
            vault.use_lookup_key(base64.urlsafe_b64decode(vault.decrypt(stored_key)))
    except PiiKeyError:
        readable = False
    if readable and stored_key is None:
        _adopt_legacy_lookup_key(tx, vault, row.lookup_check)
    if not readable or not hmac.compare_digest(row.lookup_check, vault.lookup_hash(CANARY)):
        raise PiiKeyError(
            "PII_KEY is not the key this database was written with; set the original key"
        )


def _store_lookup_key(tx: Tx, vault: PiiVault) -> None:
    tx.execute(
        "INSERT INTO pii_lookup_key (id, key_enc) VALUES (1, :enc)",
        enc=vault.encrypt(base64.urlsafe_b64encode(vault.lookup_key).decode()),
    )


def _adopt_legacy_lookup_key(tx: Tx, vault: PiiVault, lookup_check: str) -> None:
    """A database from before the lookup key was stored: its hashes were keyed by one of the
    given keys; find which, and store that lookup key so later rotations keep it."""
    for key in vault.keys:
        vault.use_lookup_key(_legacy_lookup_key(key))
        if hmac.compare_digest(lookup_check, vault.lookup_hash(CANARY)):
            _store_lookup_key(tx, vault)
            return
