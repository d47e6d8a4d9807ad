"""One exception tree. Every message starts with a stable code, says what was
expected and what to try. A bad *item* (one unreadable article) is not an
exception: it becomes a :class:`triangulate.models.Skipped` record."""

from __future__ import annotations


class TriangulateError(Exception):
    """Base class of every error triangulate raises on purpose."""

    code = "E000"
    exit_code = 1

    def __init__(self, message: str, *, code: str | None = None) -> None:
        self.code = code or type(self).code
        self.detail = message  # the message without its code (to raise it again under another)
        super().__init__(f"[{self.code}] {message}")

    @property
    def message(self) -> str:
        return str(self)


class InputError(TriangulateError):
    """Input could not be used at all (nothing readable, too few articles...)."""

    code = "E100"
    exit_code = 2


class ConfigError(TriangulateError):
    """A setting or option has an invalid value."""

    code = "E200"
    exit_code = 2


class ModelError(TriangulateError):
    """An embedding model could not be found or loaded."""

    code = "E300"
    exit_code = 3


class FetchError(TriangulateError):
    """A URL could not be fetched (network, refused address, HTTP error)."""

    code = "E400"
    exit_code = 4


class StoreError(TriangulateError):
    """The corpus database could not be opened, migrated or written."""

    code = "E500"
    exit_code = 5


class EvalError(TriangulateError):
    """An evaluation data folder is missing or not in the expected layout."""

    code = "E600"
    exit_code = 2
