"""Storage: SQLAlchemy models, Alembic migrations and the queries the other stages need."""

from monitor.store.records import (
    SUCCESSFUL_RUNS,
    ArticleRecord,
    CoveredArticle,
    DigestClaim,
    DigestRun,
    FeedState,
    PageTask,
    PageUpdate,
    PollUpdate,
    PollWrite,
    SaveResult,
    StanceFact,
    StoredStance,
)
from monitor.store.store import Store, StoreError, open_store, owner_id, safe_url

__all__ = [
    "SUCCESSFUL_RUNS",
    "ArticleRecord",
    "CoveredArticle",
    "DigestClaim",
    "DigestRun",
    "FeedState",
    "PageTask",
    "PageUpdate",
    "PollUpdate",
    "PollWrite",
    "SaveResult",
    "StanceFact",
    "Store",
    "StoreError",
    "StoredStance",
    "open_store",
    "owner_id",
    "safe_url",
]
