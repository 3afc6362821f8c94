"""Storage: SQLAlchemy models, Alembic migrations and the queries the other stages need."""

from monitor.store.records import ArticleRecord, FeedState, PollUpdate, SaveResult, StanceFact
from monitor.store.store import Store, StoreError, open_store, safe_url

__all__ = ["ArticleRecord", "FeedState", "PollUpdate", "SaveResult", "StanceFact", "Store", "StoreError", "open_store",
           "safe_url"]
