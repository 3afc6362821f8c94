"""Storage: SQLAlchemy models, Alembic migrations and the queries the other stages need."""

from monitor.store.records import ArticleRecord, FeedState, PollUpdate, SaveResult
from monitor.store.store import Store, StoreError, open_store, safe_url

__all__ = ["ArticleRecord", "FeedState", "PollUpdate", "SaveResult", "Store", "StoreError", "open_store", "safe_url"]
