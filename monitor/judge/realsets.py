"""The shared real-news sets (``../shared/realnews/*.jsonl``): where they are, which part is blind, and how
languages are grouped when figures are reported.

The texts belong to their publishers: they are read in place for measurement and for training the decider's
weights, and never copied into the repository. The split is a rule on the item id, not a list, so it holds for
items added later and nobody has to remember which ones were looked at.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

# Blind: sha256 of the item id, read as an integer, modulo 100, below this. About 28 % of every file and language.
# Until stop 28 blind items were never read while developing or trained on, and were scored once at the end of a
# piece of work; since stop 29 the decider trains on them too (``train.load_training``), so their scores are in
# sample, and unseen text is measured on sets labelled outside the repository.
BLIND_PERCENT = 30

GROUPS = {
    "en": "English",
    **dict.fromkeys(("de", "fr", "it", "es", "pt", "nl", "el", "ga", "mt"), "Western"),
    **dict.fromkeys(("pl", "hu", "cs", "sk", "ro", "bg", "hr", "sl", "lt", "lv", "et", "fi", "sv", "da"),
                    "Central and Eastern"),
    **dict.fromkeys(("ru", "uk"), "Russian"),
}
GROUP_ORDER = ("English", "Western", "Central and Eastern", "Russian")


def is_blind(item_id: str) -> bool:
    return int(hashlib.sha256(item_id.encode("utf-8")).hexdigest(), 16) % 100 < BLIND_PERCENT


def group_of(lang: str) -> str:
    return GROUPS.get((lang or "").lower()[:2], "Central and Eastern")


def shared_dir() -> Path:
    """``$MONITOR_SHARED_REALNEWS``, else ``../shared/realnews`` next to the repository (where CI puts it)."""
    env = os.environ.get("MONITOR_SHARED_REALNEWS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "realnews"


def shared_files(folder: Path | None = None) -> list[Path]:
    return sorted((folder or shared_dir()).glob("*.jsonl"))
