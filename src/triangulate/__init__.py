"""triangulate: how different news outlets report the same event.

>>> import triangulate
>>> report = triangulate.compare(["a.txt", "b.txt"])   # doctest: +SKIP
>>> [f.outlets for f in report.corroborated]           # doctest: +SKIP
"""

from __future__ import annotations

# Imported eagerly: a lazy attribute would be shadowed by the submodule of the
# same name as soon as anything imports ``triangulate.compare``.
from triangulate.compare import CompareSettings, compare, compare_articles
from triangulate.errors import (
    ConfigError,
    FetchError,
    InputError,
    ModelError,
    StoreError,
    TriangulateError,
)
from triangulate.models import (
    Article,
    Claim,
    Conflict,
    Fact,
    RawDocument,
    Removed,
    Report,
    SingleSource,
    Skipped,
    SummarySentence,
)
from triangulate.report_json import ReportSchemaError

__version__ = "0.1.0"

__all__ = [
    "Article",
    "Corpus",
    "Claim",
    "CompareSettings",
    "Conflict",
    "ConfigError",
    "Fact",
    "FetchError",
    "InputError",
    "ModelError",
    "RawDocument",
    "Removed",
    "Report",
    "ReportSchemaError",
    "SingleSource",
    "Skipped",
    "StoreError",
    "SummarySentence",
    "TriangulateError",
    "compare",
    "compare_articles",
]


def __getattr__(name: str) -> object:
    # The corpus (SQLite store, fetcher, clustering) loads only when asked for.
    if name == "Corpus":
        from triangulate.corpus import Corpus

        return Corpus
    raise AttributeError(f"module 'triangulate' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), "Corpus"})
