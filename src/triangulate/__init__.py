"""triangulate: how different news outlets report the same event.

>>> import triangulate
>>> report = triangulate.compare(["a.txt", "b.txt"])   # doctest: +SKIP
>>> [f.outlets for f in report.corroborated]           # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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

__version__ = "0.1.0"

__all__ = [
    "Article",
    "Claim",
    "Conflict",
    "ConfigError",
    "Fact",
    "FetchError",
    "InputError",
    "ModelError",
    "RawDocument",
    "Removed",
    "Report",
    "SingleSource",
    "Skipped",
    "StoreError",
    "SummarySentence",
    "TriangulateError",
    "compare",
]

if TYPE_CHECKING:
    from triangulate.compare import compare


def __getattr__(name: str) -> Any:
    # compare pulls in the embedding runtime: import it only when asked for.
    if name == "compare":
        from triangulate.compare import compare

        return compare
    raise AttributeError(name)
