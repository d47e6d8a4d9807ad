"""The web UI: server-rendered HTML pages (Jinja2, autoescaping always on).

Every piece of article text reaches the page through Jinja2's autoescaping, so
an article holding ``<script>`` shows it as text. The pages load nothing from
elsewhere: one stylesheet and one small script under ``/static`` (the
Content-Security-Policy header forbids inline scripts and styles).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from pydantic import AfterValidator
from starlette.datastructures import UploadFile

from triangulate.corpus import SearchHit
from triangulate.errors import TriangulateError
from triangulate.models import Report
from triangulate.server.api import Since
from triangulate.text import without_bidi_controls
from triangulate.server.app import (
    cached_page,
    MAX_INGEST_ITEMS,
    MAX_URLS,
    ApiError,
    bearer_token,
    cached_response,
    documents_from_paste,
    documents_from_texts,
    documents_from_upload,
    etag_for,
    story_key,
    meter_of,
    not_modified,
    service_of,
    status_for,
    token_matches,
    wants_html,
)

router = APIRouter(include_in_schema=False)

_TEMPLATES = Path(__file__).resolve().parent / "templates"


def _when(value: str | None) -> str:
    """An ISO time as ``2025-10-15 06:40 UTC``; a day alone as the day, ``2025-10-15`` (the
    value as given when it does not parse)."""
    if not value:
        return ""
    from triangulate.times import is_day_only, parse_time

    dt = parse_time(value)
    if dt is None:
        return value
    return dt.strftime("%Y-%m-%d") if is_day_only(value) else dt.strftime("%Y-%m-%d %H:%M UTC")


def _delta(value: str | None, start: str | None) -> str:
    """``+1 h 20 min`` after ``start`` (nothing when either is a day alone: hours cannot be
    measured from it)."""
    from triangulate.times import time_of_day

    a, b = time_of_day(value), time_of_day(start)
    if a is None or b is None:
        return ""
    minutes = int((a - b).total_seconds() // 60)
    if minutes <= 0:
        return "first" if minutes == 0 else ""
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{mins} min" if mins and not days else ""]
    return "+" + " ".join(p for p in parts if p)


def _highlight(text: str, span: str | None) -> Markup:
    """``text`` escaped, with the first occurrence of ``span`` in ``<mark>``."""
    from triangulate.render.view import split_highlight

    out = Markup("")
    for piece, marked in split_highlight(text, span):
        out += Markup("<mark>{}</mark>").format(piece) if marked else escape(piece)
    return out


def _snippet(hit: SearchHit) -> Markup:
    """A search hit's snippet as escaped text with ``<mark>`` around the matches."""
    out = Markup("")
    for piece, match in hit.parts():
        out += Markup("<mark>{}</mark>").format(piece) if match else escape(piece)
    return out


def _safe_url(url: str | None) -> str | None:
    """Only http(s) links reach an ``href`` (never ``javascript:``)."""
    if url and urlsplit(url).scheme in ("http", "https"):
        return url
    return None


_env = Environment(
    loader=FileSystemLoader(str(_TEMPLATES)),
    autoescape=True,  # every template, whatever its name: article text is untrusted
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    finalize=without_bidi_controls,
)
_env.filters["when"] = _when
_env.filters["delta"] = _delta
_env.filters["highlight"] = _highlight
_env.filters["snippet"] = _snippet
_env.filters["safe_url"] = _safe_url
def _plural(n: int, word: str) -> str:
    """``1 story``, ``2 stories``, ``3 outlets``."""
    if n == 1:
        return f"{n} {word}"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return f"{n} {word[:-1]}ies"
    return f"{n} {word}s"


_env.globals["plural"] = _plural


def render(name: str, request: Request, **context: Any) -> str:
    """Render a template with the context every page needs."""
    app = request.app
    return _env.get_template(name).render(
        request_path=request.url.path,
        version=app.state.version,
        needs_token=app.state.token is not None,
        **context,
    )


def page(name: str, request: Request, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(render(name, request, **context), status_code=status)


def error_page(request: Request, status: int, message: str, errors: Sequence[str] = (), headers: dict[str, str] | None = None) -> Response:
    """The HTML form of an error (pages outside /api asked for by a browser)."""
    body = render("error.html", request, title=f"Error {status}", status=status, message=message, errors=[e for e in errors if e != message])
    return HTMLResponse(body, status_code=status, headers=headers)



# --- API reference --------------------------------------------------------------------------


@router.get("/docs", include_in_schema=False)
def api_docs(request: Request) -> Response:
    """The API reference, built from the OpenAPI document: a page of this server, so it works
    offline (an interactive viewer would load its code from a CDN)."""
    schema = request.app.openapi()
    operations = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            parameters = [
                {
                    "name": p.get("name", ""),
                    "where": p.get("in", ""),
                    "type": _schema_type(p.get("schema", {})),
                    "required": bool(p.get("required")),
                    "description": p.get("description", ""),
                }
                for p in op.get("parameters", [])
            ]
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "anchor": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", "").strip("-"),
                    "summary": op.get("summary", ""),
                    "description": [line for line in (op.get("description") or "").split("\n\n") if line.strip()],
                    "parameters": parameters,
                    "body": body.get("$ref", "").rsplit("/", 1)[-1] or _schema_type(body) if body else "",
                    "responses": sorted(op.get("responses", {})),
                }
            )
    return page(
        "api_docs.html",
        request,
        title="HTTP API",
        description=schema.get("info", {}).get("description", ""),
        openapi_version=schema.get("openapi", ""),
        operations=operations,
    )


def _schema_type(schema: dict[str, Any]) -> str:
    if "anyOf" in schema:
        return " or ".join(_schema_type(s) for s in schema["anyOf"])
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    kind = str(schema.get("type", ""))
    return f"array of {_schema_type(schema.get('items', {}))}" if kind == "array" else kind


# --- report display --------------------------------------------------------------------------


def report_context(report: Report, data: dict[str, Any], *, article_links: bool, story_id: str | None = None) -> dict[str, Any]:
    """What the report part of a page shows (shared by the story page and the compare page).

    Args:
        report: the parsed report.
        data: the same report in the ``report_to_dict`` layout (source numbers on claims).
        article_links: link sources to stored article pages (a corpus story) or not (an ad-hoc compare).
    """
    from triangulate.render.view import build_view

    view = build_view(report)
    facts = {f["id"]: f for f in data.get("facts", [])}
    sources = {s["number"]: s for s in data.get("sources", [])}

    def claim_link(claim: dict[str, Any]) -> str | None:
        if not article_links:
            return None
        query = urlencode({"story": story_id, "claim": claim["id"]}) if story_id else urlencode({"claim": claim["id"]})
        return f"/articles/{claim['article_id']}?{query}#p-{claim['paragraph']}"

    summary = []
    for i, sentence in enumerate(data.get("summary", [])):
        fact = facts.get(sentence.get("fact_id") or "")
        cites = []
        for n in sentence.get("citations", []):
            evidence = []
            if fact is not None:
                for claim in fact["claims"]:
                    if claim.get("source") == n:
                        evidence.append({"outlet": claim["outlet"], "text": claim["text"], "link": claim_link(claim)})
            ref = sources.get(n)
            if not evidence and ref is not None:
                evidence.append({"outlet": ref["outlet"], "text": ref["title"] or "(untitled)", "link": f"/articles/{ref['article_id']}" if article_links else None})
            target = f"#fact-{fact['id']}" if fact is not None else f"#source-{n}"
            cites.append({"number": n, "id": f"ev-{i}-{n}", "target": target, "evidence": evidence, "outlet": ref["outlet"] if ref else ""})
        summary.append({"text": sentence["text"], "cites": cites})

    syndication = data.get("syndication", [])

    def outlet_groups(outlets: Sequence[str]) -> list[dict[str, Any]]:
        """Outlets of a fact with wire copies folded into one source."""
        present = list(dict.fromkeys(outlets))
        groups: list[dict[str, Any]] = []
        used: set[str] = set()
        for group in syndication:
            members = [m for m in [group["origin"], *group["copies"]] if m in present]
            if len(members) >= 2:
                groups.append({"outlets": members, "wire": True, "origin": group["origin"]})
                used.update(members)
        for name in present:
            if name not in used:
                groups.append({"outlets": [name], "wire": False, "origin": name})
        order = {name: i for i, name in enumerate(present)}
        groups.sort(key=lambda g: min(order[m] for m in g["outlets"]))
        return groups

    claims_by_id = {c["id"]: c for c in data.get("claims", [])}
    for f in data.get("facts", []):
        for c in f["claims"]:
            claims_by_id.setdefault(c["id"], c)

    def claim_href(claim_id: str) -> str | None:
        claim = claims_by_id.get(claim_id)
        return claim_link(claim) if claim is not None else None

    fact_rows = []
    for row in (*view.corroborated, *view.other_facts):
        fact_rows.append({"row": row, "groups": outlet_groups(row.outlets)})
    stats = data.get("stats", {})
    return {
        "view": view,
        "summary": summary,
        "fact_rows": fact_rows,
        "meter": meter_of(data),
        "stats": stats,
        "syndication": syndication,
        "article_links": article_links,
        "skipped": data.get("skipped", []),
        "warnings": list(report.warnings),
        "story_id": story_id,
        "claim_href": claim_href,
    }


def _meter_svg(meter: Any) -> Markup:
    """The corroboration meter: a three-part bar (SVG attributes, no inline style)."""
    total = meter.total or 1
    parts = [("confirmed", meter.confirmed), ("single", meter.single), ("conflicting", meter.conflicting)]
    x = 0.0
    rects = Markup("")
    for cls, n in parts:
        width = 100.0 * n / total
        if width > 0:
            rects += Markup('<rect class="m-{}" x="{:.2f}" y="0" width="{:.2f}" height="10"></rect>').format(cls, x, width)
        x += width
    label = f"{meter.confirmed} confirmed by 2+ independent outlets, {meter.single} single-source, {meter.conflicting} conflicting"
    return Markup('<svg class="meter-bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label="{}">{}</svg>').format(label, rects)


_env.filters["meter_svg"] = _meter_svg


# --- pages ----------------------------------------------------------------------------------------


def _min_sources_field(value: str | None) -> int:
    """The form's "min. independent sources": an emptied field means the default (1).

    Raises:
        ValueError: not a whole number from 1 to 1000 (as a parameter check: listed with the
            request's other invalid parameters).
    """
    if value is None or not value.strip():
        return 1
    try:
        number = int(value.strip())
    except ValueError:
        raise ValueError(f"not a whole number: {value!r}") from None
    if not 1 <= number <= 1000:
        raise ValueError(f"must be from 1 to 1000, got {number}")
    return number


def _checked_min_sources(value: str | None) -> str | None:
    """The form's "min. independent sources" as given, once it reads (see :func:`_min_sources_field`)."""
    _min_sources_field(value)
    return value


@router.get("/", response_class=HTMLResponse)
async def stories_page(
    request: Request,
    q: str | None = Query(None, max_length=500),
    outlet: str | None = Query(None, max_length=200),
    min_sources_field: Annotated[str | None, AfterValidator(_checked_min_sources), Query(alias="min_sources", max_length=20)] = None,
    since: Annotated[Since, Query(max_length=40)] = None,
    limit: int = Query(30, ge=1, le=200),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> Response:
    """The story list: newest first, outlets and a corroboration meter per story."""
    from triangulate.server.api import parse_since_param, prev_offset

    min_sources = _min_sources_field(min_sources_field)
    service = service_of(request)
    since_iso = parse_since_param(since)
    key = ("html-stories", service.fingerprint(), q, outlet, min_sources, since_iso, limit, offset)

    def build() -> bytes:
        stories, total = service.stories(since=since_iso, outlet=outlet, min_sources=min_sources, query=q, limit=limit, offset=offset)
        rows = [{"story": s, "meter": service.meter(s)} for s in stories]
        params = {k: v for k, v in {"q": q, "outlet": outlet, "min_sources": min_sources if min_sources > 1 else None, "since": since}.items() if v}

        def link(off: int) -> str:
            return "/?" + urlencode({**params, "offset": off, "limit": limit})

        return render(
            "stories.html",
            request,
            title="Stories",
            rows=rows,
            total=total,
            q=q or "",
            outlet=outlet or "",
            min_sources=min_sources,
            since=since or "",
            offset=offset,
            limit=limit,
            past_end=not rows and offset > 0 and total > 0,
            next_link=link(offset + limit) if offset + limit < total else None,
            prev_link=link(prev_offset(total, limit, offset)) if offset > 0 else None,
            stats=service.stats(),
        ).encode("utf-8")

    return await cached_page(request, key, "text/html; charset=utf-8", build)


@router.get("/stories/{story_id}", response_class=HTMLResponse)
async def story_page(request: Request, story_id: str) -> Response:
    """One story: cited summary, facts table, conflicts, quotes, single-source claims, timeline."""
    from starlette.concurrency import run_in_threadpool

    service = service_of(request)
    story = service.story(story_id)
    if story is None:
        raise ApiError(404, service.unknown_id("story", story_id))
    if story.id != story_id:
        return RedirectResponse(f"/stories/{story.id}", status_code=307)
    key = ("html-story", *story_key(story))
    etag = etag_for(*key)
    if (hit := not_modified(request, etag)) is not None:
        return hit
    body = service.pages.get(key)
    cache = "hit"
    if body is None:
        got = await run_in_threadpool(service.story_report, story.id, wait=service.report_wait)
        if got is None:
            raise ApiError(404, service.unknown_id("story", story_id))
        cache = "computed" if got.computed else "stored"

        def build() -> bytes:
            context = report_context(got.report, got.data, article_links=True, story_id=got.story.id)
            first = got.timeline[0]["time"] if got.timeline else None
            return render(
                "story.html",
                request,
                title=got.report.title or got.story.title,
                story=got.story,
                timeline=got.timeline,
                first_time=first,
                **context,
            ).encode("utf-8")

        body = await run_in_threadpool(build)
        key = ("html-story", *story_key(got.story))
        etag = etag_for(*key)
        service.pages.put(key, body)
    response = cached_response(body, "text/html; charset=utf-8", etag)
    response.headers["X-Report-Cache"] = cache
    return response


def interleave(paragraphs: Sequence[str], removed: Sequence[Any], raw: str) -> list[dict[str, Any]]:
    """Cleaned paragraphs and removed pieces in reading order, as far as the raw input shows it.

    Each block is found in the raw input (first occurrence after the previous
    block); pieces that cannot be placed (HTML markup in between) come last.
    """
    blocks: list[dict[str, Any]] = []
    placed: list[tuple[int, int, dict[str, Any]]] = []
    unplaced: list[dict[str, Any]] = []
    lowered = raw.lower()
    for i, text in enumerate(paragraphs):
        blocks.append({"kind": "text", "text": text, "index": i})
    for r in removed:
        blocks.append({"kind": "removed", "text": r.text, "reason": r.reason})
    for order, block in enumerate(blocks):
        probe = block["text"].strip().lower()[:80]
        pos = lowered.find(probe) if probe else -1
        if pos < 0:
            unplaced.append(block)
        else:
            placed.append((pos, order, block))
    if not placed or len(placed) < len(paragraphs):
        # Not enough of the text is found in the raw input: text first, removed pieces after.
        return [b for b in blocks if b["kind"] == "text"] + [b for b in blocks if b["kind"] == "removed"]
    placed.sort(key=lambda t: (t[0], t[1]))
    return [b for _, _, b in placed] + unplaced


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(
    request: Request,
    article_id: str,
    story: str | None = Query(None, max_length=64),
    claim: str | None = Query(None, max_length=64),
) -> Response:
    """One article: cleaned text, the removed boilerplate greyed with its reason, the raw input."""
    service = service_of(request)
    article = service.article(article_id)
    if article is None:
        raise ApiError(404, service.unknown_id("article", article_id))
    paragraphs = [p for p in article.text.split("\n\n") if p.strip()]
    marked: str | None = None
    if claim and (story or article.story_id):
        sid = story or article.story_id
        info = service.story(sid) if sid else None
        cached = service.reports.get((info.id, info.version)) if info else None
        data = cached[0] if cached else (service.cached_report(info.id) if info else None)
        if data:
            for c in data.get("claims", []):
                if c.get("id") == claim:
                    marked = c.get("text")
                    break
    blocks = interleave(paragraphs, article.removed, article.raw)
    versions = service.versions(article)
    story_info = service.story(article.story_id) if article.story_id else None
    return page(
        "article.html",
        request,
        title=article.title or article.outlet,
        article=article,
        blocks=blocks,
        marked=marked,
        versions=versions,
        story=story_info,
        reprint_of=service.article(article.duplicate_of) if article.duplicate_of else None,
    )


@router.get("/outlets", response_class=HTMLResponse)
def outlets_page(request: Request) -> Response:
    return page("outlets.html", request, title="Outlets", outlets=service_of(request).outlets())


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    q: str = Query("", max_length=500),
    limit: int = Query(20, ge=1, le=200),
    offset: int = Query(0, ge=0, le=100_000),
) -> Response:
    """Full-text search: matching stories and articles with highlighted snippets, paged as
    the API's search (``limit``, ``offset``; from past the end, the previous page is the last)."""
    from triangulate.server.api import prev_offset

    service = service_of(request)
    hits: list[Any] = []
    stories: list[Any] = []
    total = total_stories = 0
    if q.strip():
        hits = service.search(q, limit=limit, offset=offset)
        total = service.count_search(q)
        stories, total_stories = service.stories(query=q, limit=10)

    def link(off: int) -> str:
        return "/search?" + urlencode({"q": q, **({"limit": limit} if limit != 20 else {}), "offset": off})

    return page(
        "search.html",
        request,
        title=f"Search: {q}" if q else "Search",
        q=q,
        hits=hits,
        total=total,
        stories=[{"story": s, "meter": service.meter(s)} for s in stories],
        total_stories=total_stories,
        offset=offset,
        past_end=not hits and offset > 0 and total > 0,
        next_link=link(offset + limit) if offset + limit < total else None,
        prev_link=link(prev_offset(total, limit, offset)) if offset > 0 and total > 0 else None,
    )


# --- compare ------------------------------------------------------------------------------------------


@router.get("/compare", response_class=HTMLResponse)
def compare_form(request: Request) -> Response:
    return page("compare.html", request, title="Compare articles", texts=[("", ""), ("", "")], urls="", report=None, error=None)


def _same_origin(request: Request) -> None:
    """Refuse a form POST sent by another site (cross-site request forgery).

    Browsers send ``Origin: null`` from sandboxed frames, ``data:`` pages and after
    cross-site redirects: that is refused too. A request with neither Origin nor
    Referer (a script, curl) is let through.
    """
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin:
        return
    host = urlsplit(origin).netloc
    if origin.strip().lower() == "null" or host != request.headers.get("host"):
        raise ApiError(403, "cross-site form submissions are refused")


@router.post("/compare", response_class=HTMLResponse)
async def compare_submit(request: Request) -> Response:
    """Compare pasted texts, URLs and uploaded files; the report is shown, nothing is stored."""
    from starlette.concurrency import run_in_threadpool

    from triangulate.report_json import report_to_dict
    from triangulate.server.api import _COMPARE_SLOTS

    _same_origin(request)
    form = await request.form(max_part_size=request.app.state.max_body)
    texts = [str(v) for v in form.getlist("text")]
    outlets = [str(v) for v in form.getlist("outlet")]
    pairs = [(t, outlets[i] if i < len(outlets) else "") for i, t in enumerate(texts)]
    urls = [u.strip() for u in str(form.get("urls") or "").splitlines() if u.strip()]
    uploads = []
    for f in form.getlist("files"):
        if isinstance(f, UploadFile) and f.filename:
            uploads.append((f.filename, await f.read()))
    service = service_of(request)

    def work() -> tuple[Report, dict[str, Any], float]:
        if len(urls) > MAX_URLS:
            raise ApiError(413, f"at most {MAX_URLS} URLs per request")
        docs, skips = documents_from_texts([(t, o) for t, o in pairs])
        for name, data in uploads:
            d, s = documents_from_upload(name, data)
            docs += d
            skips += s
        d, s = service.fetch_documents(urls)
        docs += d
        skips += s
        if not _COMPARE_SLOTS.acquire(timeout=120):
            raise ApiError(503, "the server is busy comparing; try again shortly")
        try:
            started = time.perf_counter()
            report = service.compare(docs, skips)
            return report, report_to_dict(report), time.perf_counter() - started
        finally:
            _COMPARE_SLOTS.release()

    keep = [p for p in pairs if p[0].strip()] or [("", ""), ("", "")]
    try:
        report, data, seconds = await run_in_threadpool(work)
    except ApiError as exc:
        # A browser gets the form again with what was typed and the error; a script, the error.
        if exc.status == 403 or (exc.status in (413, 503) and not wants_html(request)):
            raise
        response = page("compare.html", request, status=exc.status, title="Compare articles", texts=keep, urls="\n".join(urls), report=None, error=exc)
        response.headers.update(exc.headers)
        return response
    context = report_context(report, data, article_links=False)
    return page(
        "compare.html",
        request,
        title=f"Compare: {report.title}",
        texts=keep,
        urls="\n".join(urls),
        report=report,
        seconds=seconds,
        error=None,
        **context,
    )


# --- ingest -------------------------------------------------------------------------------------------


def _form_token_ok(request: Request, form: Any) -> bool:
    expected = request.app.state.token
    given = bearer_token(request) or (str(form.get("token")) if form.get("token") else None)
    return token_matches(given, expected)


#: The Add form's fields as typed, empty.
_NOTHING_ENTERED = {"records": "", "outlet": "", "urls": "", "feed": ""}


def _ingest_page(
    request: Request,
    *,
    status: int = 200,
    result: dict[str, Any] | None = None,
    message: str | None = None,
    error: ApiError | None = None,
    entered: dict[str, str] | None = None,
) -> Response:
    """The Add page; ``entered`` is what the forms show typed in (after an error: what was sent)."""
    feeds = service_of(request).feeds()
    response = page(
        "ingest.html", request, status=status, title="Add articles and feeds", feeds=feeds,
        result=result, message=message, error=error, entered=entered or _NOTHING_ENTERED,
    )
    if error is not None:
        response.headers.update(error.headers)
    return response


@router.get("/ingest", response_class=HTMLResponse)
def ingest_form(request: Request) -> Response:
    return _ingest_page(request)


@router.post("/ingest", response_class=HTMLResponse)
async def ingest_submit(request: Request) -> Response:
    """Ingest pasted JSON records / text and URLs, follow a feed, or poll the feeds now."""
    from starlette.concurrency import run_in_threadpool

    _same_origin(request)
    form = await request.form(max_part_size=request.app.state.max_body)
    service = service_of(request)
    entered = {name: str(form.get(name) or "") for name in _NOTHING_ENTERED}  # never the token
    if not _form_token_ok(request, form):
        refused = ApiError(401, "adding to the corpus needs the server's token", headers={"WWW-Authenticate": 'Bearer realm="triangulate"'})
        if not wants_html(request):
            raise refused
        return _ingest_page(request, status=401, error=refused, entered=entered)
    action = str(form.get("action") or "articles")
    if action not in ("articles", "feed", "poll"):
        raise ApiError(422, f"unknown action {action!r}: articles, feed or poll")

    def work() -> tuple[dict[str, Any] | None, str | None]:
        if action == "feed":
            url = str(form.get("feed") or "").strip()
            if not url:
                raise ApiError(422, "give a feed URL")
            added = service.add_feed(url)
            return None, (f"Now following {url}." if added else f"{url} was already followed.")
        if action == "poll":
            polls = service.poll_feeds()
            return {"polls": polls}, f"Polled {len(polls)} feed(s)."
        urls = [u.strip() for u in str(form.get("urls") or "").splitlines() if u.strip()]
        if len(urls) > MAX_URLS:
            raise ApiError(413, f"at most {MAX_URLS} URLs per request")
        pasted = str(form.get("records") or "").strip()
        docs, skips = [], []
        if pasted:
            d, s = documents_from_paste(pasted, str(form.get("outlet") or ""))
            docs += d
            skips += s
            if len(docs) + len(skips) + len(urls) > MAX_INGEST_ITEMS:
                raise ApiError(413, f"at most {MAX_INGEST_ITEMS} items per request ({len(docs) + len(skips)} articles pasted)")
            unnamed = sum(1 for doc in d if not doc.source and not doc.url)
            if unnamed:
                what = "the pasted article" if d[0].origin == "pasted text" else f"{_plural(unnamed, 'pasted record')} without source or url"
                raise ApiError(422, f"give the outlet of {what}: fill in “Outlet of pasted text” (nothing was added)")
        d, s = service.fetch_documents(urls)
        docs += d
        skips += s
        if not docs and not skips:
            raise ApiError(422, "nothing to add: paste articles or give URLs")
        return service.ingest(docs, skips), None

    try:
        result, message = await run_in_threadpool(work)
    except ApiError as exc:
        # A browser gets the form again with what was typed and the error; a script, the error.
        if exc.status == 403 or (exc.status in (401, 413) and not wants_html(request)):
            raise
        return _ingest_page(request, status=exc.status, error=exc, entered=entered)
    except TriangulateError as exc:
        # A corpus busy with another writer (E512) or full: the same, with the library's error.
        if not wants_html(request):
            raise
        status = status_for(exc)
        return _ingest_page(request, status=status, error=ApiError(status, str(exc)), entered=entered)
    # Something skipped: what was typed stays, to be corrected and sent again.
    return _ingest_page(request, result=result, message=message, entered=entered if result and result.get("skipped") else None)


__all__ = ["router", "render", "error_page", "report_context"]
