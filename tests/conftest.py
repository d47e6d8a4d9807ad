"""Shared fixtures: one embedder per session, a fresh corpus, paths to ../shared."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from triangulate.corpus import Corpus

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def embedder():
    from triangulate.embed import load_embedder

    return load_embedder()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} not found: the shared seeds and data sets live beside the repository")
    return SHARED


@pytest.fixture()
def corpus(tmp_path: Path, embedder: object) -> Iterator[Corpus]:
    """An empty corpus in a fresh file, with the session's embedder (test files may define their own)."""
    with Corpus.open(tmp_path / "corpus.db", embedder=embedder) as c:
        yield c
