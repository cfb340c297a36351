"""What a load did with each source file: counts, rejections and notes for load_sources."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path


def sha256_of(file: Path) -> str:
    digest = hashlib.sha256()
    with open(file, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class SourceReport:
    dataset: str
    file: Path
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rejections: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    source: str = ""
    data_date: str = ""
