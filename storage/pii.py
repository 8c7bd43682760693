"""Personal data at rest: encrypted for reading back, keyed-hashed for finding duplicates.

The hash key is derived from the encryption key, so one secret (PII_KEY) protects both; a keyed
hash, unlike a plain one, cannot be reversed by hashing every possible ID number.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken

from storage.sql import Tx


class PiiKeyError(ValueError):
    pass


class PiiVault:
    def __init__(self, key: str) -> None:
        try:
            self._fernet = Fernet(key.encode())
        except (ValueError, TypeError) as error:
            raise PiiKeyError(
                "PII_KEY must be a url-safe base64 32-byte key (Fernet.generate_key())"
            ) from error
        self._hash_key = hashlib.sha256(
            b"chatlend-lookup:" + base64.urlsafe_b64decode(key)
        ).digest()

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as error:
            raise PiiKeyError("personal data cannot be decrypted with this PII_KEY") from error

    def lookup_hash(self, value: str) -> str:
        return hmac.new(self._hash_key, value.encode(), hashlib.sha256).hexdigest()


CANARY = "chatlend vault check"


def verify_key(tx: Tx, vault: PiiVault) -> None:
    """Stop unless `vault` holds the key this database's personal data was written with.

    The first start records a canary; every later start must decrypt it and reproduce its keyed
    hash. Checked before any update is handled, so a wrong key can neither write data nobody can
    read back nor let a duplicate ID number slip past a hash that no longer matches.
    """
    row = tx.one("SELECT canary_enc, lookup_check FROM vault_check WHERE id = 1")
    if row is None:
        tx.execute(
            "INSERT INTO vault_check (id, canary_enc, lookup_check) VALUES (1, :enc, :check)",
            enc=vault.encrypt(CANARY),
            check=vault.lookup_hash(CANARY),
        )
        return
    try:
        readable = vault.decrypt(row.canary_enc) == CANARY
    except PiiKeyError:
        readable = False
    if not readable or not hmac.compare_digest(row.lookup_check, vault.lookup_hash(CANARY)):
        raise PiiKeyError(
            "PII_KEY is not the key this database was written with; set the original key"
        )
