"""Retention: old articles, old digest items and old outbox files deleted on a schedule, so that a monitor left
running for years does not fill its disk (at 300 feeds the database grew ~21 MB a day and every outbox digest
left ~110 KB behind).

What is kept is the ``retention`` section of the config (defaults: articles 365 days, digest items 90 days,
outbox files 30 days) and ``fulltext.keep`` for the text of article pages (90 days; the page's status and the
stances read from it stay). Articles go by when they were first stored, never by their publication date: a backlog
of old stories fetched today would otherwise be deleted at once and fetched again at the next poll. A stance
never outlives its article, and never goes before it. The daemon runs this daily; ``monitor db prune`` runs it
now (``--dry-run`` only counts).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from monitor.config import Settings
from monitor.logs import get_logger
from monitor.store import Store

log = get_logger(__name__)
# What ``write_outbox`` names its files: "<digest>-<YYYYmmddTHHMMSSZ>-<run id>.eml|.html". Nothing else in the
# folder is touched.
_OUTBOX_FILE = re.compile(r".+-\d{8}T\d{6}Z-\d+\.(?:eml|html)$")


@dataclass(frozen=True)
class PruneReport:
    articles: int = 0
    page_texts: int = 0
    digest_items: int = 0
    outbox_files: int = 0
    outbox_bytes: int = 0
    size_before: int | None = None
    size_after: int | None = None
    compacted: bool = False
    dry_run: bool = False

    def summary(self) -> str:
        verb = "would delete" if self.dry_run else "deleted"
        sizes = ""
        if self.size_before is not None and self.size_after is not None:
            sizes = f"; database {_mb(self.size_before)} -> {_mb(self.size_after)}"
            if self.compacted:
                sizes += " (compacted)"
        return (f"{verb} {_plural(self.articles, 'article')}, {_plural(self.page_texts, 'page text')}, "
                f"{_plural(self.digest_items, 'digest item')} and {_plural(self.outbox_files, 'outbox file')} "
                f"({_mb(self.outbox_bytes)}){sizes}")


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def prune_outbox(folder: Path, before: datetime, dry_run: bool = False) -> tuple[int, int]:
    """Delete digest files older than ``before`` from the outbox: (files, bytes)."""
    files = size = 0
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return 0, 0
    cutoff = before.timestamp()
    for entry in entries:
        if not entry.is_file(follow_symlinks=False) or not _OUTBOX_FILE.match(entry.name):
            continue
        stat = entry.stat(follow_symlinks=False)
        if stat.st_mtime >= cutoff:
            continue
        if not dry_run:
            try:
                os.unlink(entry.path)
            except FileNotFoundError:
                continue
        files += 1
        size += stat.st_size
    return files, size


def prune(settings: Settings, store: Store, now: datetime, dry_run: bool = False) -> PruneReport:
    keep = settings.retention
    before = store.size()
    articles = (store.prune_articles(now - timedelta(seconds=keep.articles), dry_run)
                if keep.articles is not None else 0)
    texts = (store.prune_page_bodies(now - timedelta(seconds=settings.fulltext.keep), dry_run)
             if settings.fulltext.keep is not None else 0)
    items = (store.prune_digest_items(now - timedelta(seconds=keep.digest_items), dry_run)
             if keep.digest_items is not None else 0)
    files, size = (prune_outbox(Path(settings.outbox), now - timedelta(seconds=keep.outbox), dry_run)
                   if keep.outbox is not None else (0, 0))
    compacted = not dry_run and (articles > 0 or items > 0 or texts > 0) and store.compact()
    report = PruneReport(articles, texts, items, files, size, before, store.size(), compacted, dry_run)
    log.info("retention.pruned", dry_run=dry_run, articles=articles, page_texts=texts, digest_items=items,
             outbox_files=files,
             outbox_bytes=size, size_before=before, size_after=report.size_after, compacted=compacted)
    return report


__all__ = ["PruneReport", "prune", "prune_outbox"]
