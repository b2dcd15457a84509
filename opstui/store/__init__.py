"""The store: every SQL statement of opstui lives in this package."""

from opstui.store.database import Store, Transaction, open_store

__all__ = ["Store", "Transaction", "open_store"]
