"""triangulate: how different news outlets report the same event.

>>> import triangulate
>>> report = triangulate.compare(["a.txt", "b.txt"])   # doctest: +SKIP
>>> [f.outlets for f in report.corroborated]           # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from triangulate.errors import (
    ConfigError,
    FetchError,
    InputError,
    ModelError,
    StoreError,
    TriangulateError,
)

if TYPE_CHECKING:
    from triangulate.compare import CompareSettings, compare, compare_articles
    from triangulate.corpus import Corpus
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

#: What loads on first use, and from where: numpy, scipy and the models take a good part of
#: a second, which the command line (`triangulate --help`, a Ctrl-C at its start) and a
#: program that wants only the error classes do not wait for.
_LAZY = {
    **dict.fromkeys(("CompareSettings", "compare", "compare_articles"), "triangulate.compare"),
    "Corpus": "triangulate.corpus",
    **dict.fromkeys(
        ("Article", "Claim", "Conflict", "Fact", "RawDocument", "Removed", "Report", "SingleSource", "Skipped", "SummarySentence"),
        "triangulate.models",
    ),
    "ReportSchemaError": "triangulate.report_json",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'triangulate' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


class _Package(types.ModuleType):
    """Keeps ``triangulate.compare`` the function: the first import of the submodule of the
    same name would otherwise bind the module to it."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "compare" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
