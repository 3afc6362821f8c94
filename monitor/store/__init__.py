"""Storage: SQLAlchemy models, Alembic migrations and the queries the other stages need."""

from monitor.store.records import (
    SUCCESSFUL_RUNS,
    ArticleRecord,
    CoveredArticle,
    DigestClaim,
    DigestRun,
    FeedState,
    PollUpdate,
    SaveResult,
    StanceFact,
)
from monitor.store.store import Store, StoreError, open_store, owner_id, safe_url

__all__ = ["SUCCESSFUL_RUNS", "ArticleRecord", "CoveredArticle", "DigestClaim", "DigestRun", "FeedState",
           "PollUpdate", "SaveResult", "StanceFact", "Store", "StoreError", "open_store", "owner_id", "safe_url"]
