"""Persistence: SQLModel tables, the database thread, and the Store the flows talk to."""

from storage.database import Database
from storage.pii import PiiVault
from storage.store import SqlStore

__all__ = ["Database", "PiiVault", "SqlStore"]
