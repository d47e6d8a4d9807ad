"""``triangulate serve``: the web UI and the HTTP API over a corpus.

>>> from triangulate.server import create_app        # doctest: +SKIP
>>> app = create_app("news.db")                      # doctest: +SKIP

See docs/server.md for the endpoints, the error shape, auth and limits.
"""

from __future__ import annotations

from triangulate.server.app import DEFAULT_MAX_BODY, CorpusService, create_app, error_payload, is_loopback

__all__ = ["DEFAULT_MAX_BODY", "CorpusService", "create_app", "error_payload", "is_loopback"]
