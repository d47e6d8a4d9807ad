"""The HTTP API: JSON under ``/api``, documented at ``/docs`` (OpenAPI at ``/api/openapi.json``).

Every success answer is an object with ``"ok": true``; every error has the one
shape ``{"ok": false, "error": str, "errors": [str], "status": int}``. Lists are
paginated with ``limit`` / ``offset`` and say their ``total``. Story lists and
story reports carry an ``ETag``; a request with a matching ``If-None-Match``
gets ``304 Not Modified``.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import AfterValidator, BaseModel, Field
from starlette.concurrency import run_in_threadpool

from triangulate.server.app import (
    cached_page,
    MAX_INGEST_ITEMS,
    MAX_URLS,
    ApiError,
    CorpusService,
    bearer_token,
    cached_response,
    documents_from_records,
    documents_from_texts,
    etag_for,
    story_key,
    not_modified,
    service_of,
    token_matches,
)

router = APIRouter(prefix="/api", tags=["api"])

#: Concurrent ad-hoc compares (CPU bound: embedding); more wait their turn.
_COMPARE_SLOTS = threading.BoundedSemaphore(2)


class ErrorBody(BaseModel):
    """The one error shape of every error answer."""

    ok: bool = False
    error: str
    errors: list[str]
    status: int


_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text}
    for code, text in {
        401: "a write endpoint without a valid bearer token",
        404: "no such story, article or endpoint",
        405: "method not allowed",
        413: "request body too large",
        415: "a body not sent as JSON (`Content-Type: application/json`)",
        422: "invalid parameters or unusable input (a body that is not a JSON object included)",
    }.items()
}


class TextItem(BaseModel):
    text: str = Field(..., description="the article text (plain text, Markdown or HTML)")
    outlet: str | None = Field(None, description="who published it (default: Text N)")


class CompareRequest(BaseModel):
    """Articles to compare without storing them: JSON records, pasted texts and/or URLs."""

    articles: list[dict[str, Any]] = Field(
        default_factory=list,
        description="article records: text (or html / markdown), title, source, url, published, authors",
    )
    texts: list[str | TextItem] = Field(default_factory=list, description="pasted article texts")
    urls: list[str] = Field(default_factory=list, description="article URLs to fetch (public addresses only)")


class IngestRequest(BaseModel):
    """Articles to add to the corpus: JSON records and/or URLs."""

    articles: list[dict[str, Any]] = Field(default_factory=list, description="article records, as for compare")
    urls: list[str] = Field(default_factory=list, description="article URLs to fetch (public addresses only)")


class FeedRequest(BaseModel):
    url: str = Field(..., description="an RSS / Atom feed URL to follow")



def require_token(request: Request) -> None:
    """Write endpoints: ``Authorization: Bearer <token>`` when the server has a token."""
    expected = request.app.state.token
    if expected is not None and not token_matches(bearer_token(request), expected):
        raise ApiError(
            401,
            "this endpoint needs `Authorization: Bearer <token>` (the token the server was started with)",
            headers={"WWW-Authenticate": 'Bearer realm="triangulate"'},
        )


def json_bytes(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(payload: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json_bytes(payload), status_code=status, media_type="application/json", headers=headers)


def _checked_since(value: str | None) -> str | None:
    """A ``since`` parameter as given, once it reads as a time or an age: checked with the
    request's other parameters, so that its error is listed with theirs."""
    if value:
        from triangulate.corpus.store import parse_since

        parse_since(value)  # ValueError: "query.since: not a date or an age ..."
    return value


#: The type of a ``since`` query parameter (see :func:`_checked_since`).
Since = Annotated[str | None, AfterValidator(_checked_since)]


def parse_since_param(since: str | None) -> str | None:
    if not since:
        return None
    from triangulate.corpus.store import parse_since

    try:
        return parse_since(since)
    except ValueError as exc:
        raise ApiError(422, f"since: {exc}") from exc


def _page_links(request: Request, total: int, limit: int, offset: int) -> dict[str, Any]:
    params = dict(request.query_params)

    def link(off: int) -> str:
        params["offset"] = str(off)
        params["limit"] = str(limit)
        return f"{request.url.path}?{urlencode(params)}"

    return {
        "total": total,
        "limit": limit,
        "offset": offset,
        "next": link(offset + limit) if offset + limit < total else None,
        "prev": link(prev_offset(total, limit, offset)) if offset > 0 else None,
    }


def prev_offset(total: int, limit: int, offset: int) -> int:
    """The offset of the page before ``offset``; from past the end, the last page."""
    last = (total - 1) // limit * limit if total > 0 else 0
    return max(0, min(offset - limit, last))


def story_summary(service: CorpusService, story: Any) -> dict[str, Any]:
    meter = service.meter(story)
    return {
        **story.to_dict(),
        "meter": meter.to_dict() if meter else None,
        "url": f"/api/stories/{story.id}",
        "page": f"/stories/{story.id}",
    }


# --- read endpoints ---------------------------------------------------------------------


@router.get("", summary="API index")
def api_index(request: Request) -> Response:
    """Links to every endpoint and the corpus counts."""
    service = service_of(request)
    return json_response(
        {
            "ok": True,
            "version": request.app.state.version,
            "corpus": service.stats(),
            "write_needs_token": request.app.state.token is not None,
            "endpoints": {
                "stories": "/api/stories",
                "story": "/api/stories/{id}",
                "articles": "/api/articles",
                "article": "/api/articles/{id}",
                "outlets": "/api/outlets",
                "search": "/api/search?q=...",
                "feeds": "/api/feeds",
                "ingest": "POST /api/ingest",
                "compare": "POST /api/compare",
                "docs": "/docs",
            },
        }
    )


@router.get("/stories", summary="List stories", responses=_ERRORS)
async def list_stories(
    request: Request,
    since: Annotated[Since, Query(description="only stories active since this ISO time or age (24h, 7d)")] = None,
    outlet: str | None = Query(None, description="only stories this outlet covered (its name in any case)"),
    min_sources: int = Query(1, ge=1, le=1000, description="only stories with at least this many independent sources"),
    q: str | None = Query(None, max_length=500, description="only stories with an article matching this full-text query"),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> Response:
    """Stories, most recently active first, each with its outlets and corroboration meter
    (``null`` until the story's report has been computed)."""
    service = service_of(request)
    since_iso = parse_since_param(since)
    key = ("api-stories", service.fingerprint(), since_iso, outlet, min_sources, q, limit, offset)

    def build() -> bytes:
        stories, total = service.stories(since=since_iso, outlet=outlet, min_sources=min_sources, query=q, limit=limit, offset=offset)
        return json_bytes({"ok": True, **_page_links(request, total, limit, offset), "stories": [story_summary(service, s) for s in stories]})

    return await cached_page(request, key, "application/json", build)


@router.get("/stories/{story_id}", summary="One story's report", responses=_ERRORS)
async def get_story(request: Request, story_id: str = Path(..., min_length=1, max_length=64)) -> Response:
    """The story, its triangulation report (``report_to_dict`` layout: facts with outlets and
    independent-source counts, single-source claims per outlet, conflicts, aligned quotes,
    the summary with citations) and a ``timeline`` of who published when.

    The report is computed on first request for the story's current version and cached."""
    service = service_of(request)
    story = service.story(story_id)
    if story is None:
        raise ApiError(404, service.unknown_id("story", story_id))
    key = ("api-story", *story_key(story))
    etag = etag_for(*key)
    if (hit := not_modified(request, etag)) is not None:
        return hit
    body = service.pages.get(key)
    cache = "hit"
    started = time.perf_counter()
    if body is None:
        got = await run_in_threadpool(service.story_report, story.id, wait=service.report_wait)
        if got is None:
            raise ApiError(404, service.unknown_id("story", story_id))
        cache = "computed" if got.computed else "stored"
        body = await run_in_threadpool(
            lambda: json_bytes({"ok": True, "story": story_summary(service, got.story), "report": got.data, "timeline": got.timeline})
        )
        key = ("api-story", *story_key(got.story))
        etag = etag_for(*key)
        service.pages.put(key, body)
    response = cached_response(body, "application/json", etag)
    response.headers["X-Report-Cache"] = cache
    response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    return response


@router.get("/articles", summary="List articles", responses=_ERRORS)
def list_articles(
    request: Request,
    story: str | None = Query(None, max_length=64),
    outlet: str | None = Query(None),
    since: Annotated[Since, Query()] = None,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> Response:
    """Current article versions, newest first (metadata only; one article for its text)."""
    service = service_of(request)
    items, total = service.articles(story=story, outlet=outlet, since=parse_since_param(since), limit=limit, offset=offset)
    return json_response(
        {
            "ok": True,
            **_page_links(request, total, limit, offset),
            "articles": [{**a.to_dict(), "url_api": f"/api/articles/{a.id}", "page": f"/articles/{a.id}"} for a in items],
        }
    )


@router.get("/articles/{article_id}", summary="One article: raw, cleaned, removed boilerplate", responses=_ERRORS)
def get_article(request: Request, article_id: str = Path(..., min_length=1, max_length=64)) -> Response:
    """One article version with its raw input, cleaned text, the boilerplate removed
    (each piece with its reason) and the list of stored versions of its URL."""
    service = service_of(request)
    article = service.article(article_id)
    if article is None:
        raise ApiError(404, service.unknown_id("article", article_id))
    versions = service.versions(article)
    return json_response(
        {
            "ok": True,
            "article": article.to_dict(full=True),
            "versions": [{"id": v.id, "version": v.version, "added": v.added, "current": v.current} for v in versions],
        }
    )


@router.get("/outlets", summary="Outlets with counts", responses=_ERRORS)
def list_outlets(request: Request) -> Response:
    """Every outlet of the corpus or the registry: articles, stories, reprints, registry data."""
    return json_response({"ok": True, "outlets": service_of(request).outlets()})


@router.get("/search", summary="Full-text search", responses=_ERRORS)
def search(
    request: Request,
    q: str = Query(..., min_length=1, max_length=500, description="words to find (all must match; prefix on the last)"),
    limit: int = Query(20, ge=1, le=200),
    offset: int = Query(0, ge=0, le=100_000),
) -> Response:
    """Articles matching ``q`` (best first, with a snippet: ``snippet`` has the matches in
    ``[`` ``]``, ``snippet_text`` and ``matches`` say exactly where they are), paginated as
    the other lists (``total``, ``next``, ``prev``), and the first 10 stories they belong to
    (``stories_total`` of them in all)."""
    service = service_of(request)
    hits = service.search(q, limit=limit, offset=offset)
    total = service.count_search(q)
    stories, total_stories = service.stories(query=q, limit=10)
    return json_response(
        {
            "ok": True,
            "query": q,
            **_page_links(request, total, limit, offset),
            "articles": [{**hit.to_dict(), "page": f"/articles/{hit.article.id}"} for hit in hits],
            "stories": [story_summary(service, s) for s in stories],
            "stories_total": total_stories,
        }
    )


@router.get("/feeds", summary="Followed feeds", responses=_ERRORS)
def list_feeds(request: Request) -> Response:
    """The feeds the corpus follows (``triangulate watch`` polls them) and their polling state."""
    return json_response({"ok": True, "feeds": [f.to_dict() for f in service_of(request).feeds()]})


# --- write endpoints ----------------------------------------------------------------------------


@router.post("/feeds", summary="Follow a feed", status_code=201, responses=_ERRORS, dependencies=[Depends(require_token)])
def add_feed(request: Request, body: FeedRequest) -> Response:
    """Follow an RSS / Atom feed. Needs the bearer token when the server has one; the URL
    must be http(s) and resolve to public addresses only."""
    added = service_of(request).add_feed(body.url.strip())
    return json_response({"ok": True, "url": body.url.strip(), "added": added}, status=201 if added else 200)


@router.post("/ingest", summary="Add articles to the corpus", responses=_ERRORS, dependencies=[Depends(require_token)])
def ingest(request: Request, body: IngestRequest = Body(...)) -> Response:
    """Add articles (JSON records) and URLs to the corpus: cleaned, deduplicated, placed into
    stories. Answers counts (new, duplicate, updated, skipped with reasons) and one result
    per item. Needs the bearer token when the server has one."""
    service = service_of(request)
    if not body.articles and not body.urls:
        raise ApiError(422, "nothing to ingest: give `articles` and/or `urls`")
    if len(body.articles) + len(body.urls) > MAX_INGEST_ITEMS:
        raise ApiError(413, f"at most {MAX_INGEST_ITEMS} items per ingest request")
    if len(body.urls) > MAX_URLS:
        raise ApiError(413, f"at most {MAX_URLS} URLs per request")
    docs, skips = documents_from_records(body.articles, origin="api")
    url_docs, url_skips = service.fetch_documents([u.strip() for u in body.urls])
    result = service.ingest([*docs, *url_docs], [*skips, *url_skips])
    return json_response({"ok": True, **result})


@router.post("/compare", summary="Compare articles without storing them", responses=_ERRORS)
def compare(request: Request, body: CompareRequest = Body(...)) -> Response:
    """Triangulate an ad-hoc set of articles (records, pasted texts, URLs). Nothing is stored.
    Answers the report in the ``report_to_dict`` layout."""
    from triangulate.report_json import report_to_dict

    service = service_of(request)
    if not (body.articles or body.texts or body.urls):
        raise ApiError(422, "nothing to compare: give `articles`, `texts` and/or `urls`")
    if len(body.urls) > MAX_URLS:
        raise ApiError(413, f"at most {MAX_URLS} URLs per request")
    docs, skips = documents_from_records(body.articles, origin="request")
    texts = [(t, None) if isinstance(t, str) else (t.text, t.outlet) for t in body.texts]
    text_docs, text_skips = documents_from_texts(texts)
    url_docs, url_skips = service.fetch_documents([u.strip() for u in body.urls])
    if not _COMPARE_SLOTS.acquire(timeout=120):
        raise ApiError(503, "the server is busy comparing; try again shortly")
    try:
        started = time.perf_counter()
        report = service.compare([*docs, *text_docs, *url_docs], [*skips, *text_skips, *url_skips])
        seconds = time.perf_counter() - started
    finally:
        _COMPARE_SLOTS.release()
    return json_response({"ok": True, "seconds": round(seconds, 3), "report": report_to_dict(report)})
