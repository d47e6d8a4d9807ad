"""Feeds: follow RSS / Atom feeds, import OPML, poll politely.

A feed is followed under its canonical URL (:func:`canonical_feed_url`), so one
feed written several ways is followed once. A poll is a conditional GET
(``If-None-Match`` / ``If-Modified-Since`` from the last answer); a ``304``
costs nothing. A poll that leaves entries to try again keeps no validators, so
the next poll reads the feed whole and retries them. New entries (by id, else link) are followed to their
article page, whose own title, date and authors win over the entry's; when the
page cannot be fetched or holds no article, the entry's own content or summary is
used instead. Errors (a 500, a timeout, an HTML page where a feed was expected)
are recorded on the feed and as skips, and push its next poll back
exponentially: ``interval * 2**errors``, at most a day.
"""

from __future__ import annotations

import html
import logging
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from time import struct_time
from typing import Any
from urllib.parse import urlsplit

from triangulate.corpus.fetch import FetchFailure, Fetcher
from triangulate.corpus.ingest import IngestResult, canonical_url
from triangulate.corpus.store import FeedInfo, Store, now_iso
from triangulate.errors import InputError
from triangulate.models import Article, RawDocument, Skipped, stable_id
from triangulate.times import parse_time, parse_time_as_written, read_time

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
MAX_BACKOFF_SECONDS = 86400.0
#: Failures that may pass: an entry whose page failed this way is tried again at the next poll.
TRANSIENT = ("timeout", "connection_error", "http_429", "http_500", "http_502", "http_503", "http_504", "dns_error")


@dataclass(frozen=True, slots=True)
class PollResult:
    """One poll of one feed.

    ``status`` is ``ok``, ``not-modified`` or ``error`` (then ``error`` holds the
    reason code and ``detail`` the message).
    """

    url: str
    status: str
    entries: int = 0
    new_entries: int = 0
    results: tuple[IngestResult, ...] = ()
    error: str | None = None
    detail: str | None = None
    next_poll: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "status": self.status,
            "entries": self.entries,
            "new_entries": self.new_entries,
            "results": [r.to_dict() for r in self.results],
            "error": self.error,
            "detail": self.detail,
            "next_poll": self.next_poll,
        }


def feed_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a feed URL (``None`` when it can): it must be absolute http(s) with a host."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        host, _ = parts.hostname, parts.port
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    if not parts.scheme:
        return "a relative URL (a feed URL starts with http:// or https://)"
    if parts.scheme.lower() not in ("http", "https"):
        return f"a URL of the {parts.scheme.lower()}: scheme (a feed URL starts with http:// or https://)"
    if not host:
        return "a URL without a host name"
    return None


def canonical_feed_url(url: str) -> str:
    """The canonical form of a feed URL: lower-case host, no fragment, no tracking parameters, the rest of its query as written.

    >>> canonical_feed_url("https://Example.ORG/rss?utm_source=x#top")
    'https://example.org/rss'
    >>> canonical_feed_url("https://example.org/feed?rss&utm_medium=y&cat=a;b")
    'https://example.org/feed?rss&cat=a;b'

    Raises:
        InputError: when ``url`` is not an http(s) URL with a host name (``E112``).
    """
    problem = feed_url_problem(url)
    if problem is not None:
        raise InputError(f"not an http(s) feed URL: {url!r} is {problem}", code="E112")
    return canonical_url(url, query_as_written=True) or url.strip()


@dataclass(frozen=True, slots=True)
class OpmlFeeds:
    """What an OPML document lists: ``feeds`` as (canonical URL, title), and ``skipped`` outlines as (``xmlUrl``, why)."""

    feeds: tuple[tuple[str, str], ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()


def parse_opml_feeds(data: bytes | str) -> OpmlFeeds:
    """The feeds of every outline with an ``xmlUrl`` in an OPML document, each once, and the outlines that cannot be followed.

    Raises:
        InputError: when the document is not XML.
    """
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise InputError(f"not an OPML file: {exc}", code="E110") from exc
    feeds: dict[str, str] = {}
    skipped: list[tuple[str, str]] = []
    for node in root.iter("outline"):
        url = (node.get("xmlUrl") or node.get("xmlurl") or "").strip()
        problem = feed_url_problem(url) if url else None
        if problem is not None:
            skipped.append((url, problem))
        elif url:
            feeds.setdefault(canonical_feed_url(url), (node.get("title") or node.get("text") or "").strip())
    return OpmlFeeds(tuple(feeds.items()), tuple(skipped))


def _oldest_first(entries: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Entries by their time when every one gives it; else in reverse feed order (feeds
    list newest first). Entries of one time keep their feed order."""
    times = [e.get("published_parsed") or e.get("updated_parsed") for _, e in entries]
    if all(times):
        order = sorted(range(len(entries)), key=lambda i: tuple(times[i])[:6])
        return [entries[i] for i in order]
    return entries[::-1]


def _iso(value: struct_time | None) -> str | None:
    if not value:
        return None
    try:
        return datetime(*value[:6], tzinfo=timezone.utc).isoformat(timespec="seconds")
    except (TypeError, ValueError):
        return None


def entry_key(entry: Any) -> str:
    """A stable key of a feed entry: its id, else its link, else a hash of title and summary."""
    for name in ("id", "guid", "link"):
        value = entry.get(name)
        if value:
            return str(value)
    return "hash:" + stable_id(entry.get("title"), entry.get("summary"))


def entry_link(entry: Any) -> str | None:
    """The entry's article URL: its link when that is an http(s) URL (not ``mailto:``)."""
    link = str(entry.get("link") or "").strip()
    return link if link.lower().startswith(("http://", "https://")) else None


def _drop_guid_links(entries: list[Any], content: bytes) -> None:
    """Take back the link feedparser makes of an RSS ``<guid>`` that is no URL.

    An entry without ``<link>`` gets its guid as its link (unless ``isPermaLink="false"``),
    resolved against the feed's URL: ``<guid>abc-123</guid>`` became
    ``https://site.example/abc-123``, a page that is not the article. Only a guid written
    as an absolute http(s) URL stays the entry's link. (Its id is left as it was: the
    entries already taken are known by it.)
    """
    suspects = [i for i, entry in enumerate(entries) if entry.get("guidislink") and not entry.get("links")]
    if not suspects:
        return
    import feedparser

    as_written = feedparser.parse(content).entries  # no base URL: a guid stays as written
    if len(as_written) != len(entries):
        return
    for i in suspects:
        if not str(as_written[i].get("id") or "").strip().lower().startswith(("http://", "https://")):
            entries[i]["link"] = ""


def _entry_content(entry: Any) -> str:
    for item in entry.get("content") or []:
        value = item.get("value") if isinstance(item, dict) else None
        if value and value.strip():
            return str(value)
    return str(entry.get("summary") or entry.get("description") or "")


def _entry_authors(entry: Any) -> tuple[str, ...]:
    names = [a.get("name") for a in entry.get("authors") or [] if isinstance(a, dict) and a.get("name")]
    if not names and entry.get("author"):
        names = [entry.get("author")]
    return tuple(str(n) for n in names)


def next_poll_time(interval: float, errors: int, *, now: datetime | None = None) -> str:
    """When to poll again: ``interval`` after a success, exponentially later after errors (max a day)."""
    base = now or datetime.now(timezone.utc)
    wait = interval if errors <= 0 else min(interval * (2 ** min(errors, 16)), MAX_BACKOFF_SECONDS)
    return (base + timedelta(seconds=wait)).isoformat(timespec="seconds")


def entry_documents(
    entry: Any,
    *,
    feed_url: str,
    fetcher: Fetcher | None,
    read: Callable[..., list[RawDocument] | Skipped],
    follow: bool = True,
) -> tuple[list[RawDocument] | Skipped, bool]:
    """The documents of one feed entry, and whether the entry is settled (not to be tried again).

    Follows the entry's link to the article page; falls back to the entry's
    content or summary when the page fails or is not an article.
    """
    link = entry_link(entry)
    title = (entry.get("title") or "").strip() or None
    published = _iso(entry.get("published_parsed") or entry.get("updated_parsed")) or entry.get("published")
    authors = _entry_authors(entry)
    page_failure: Skipped | None = None
    if follow and link and fetcher is not None:
        try:
            got = fetcher.fetch(link)
            docs = read(got.content, origin=got.final_url, url=got.final_url, kind=_kind(got.content_type), charset=got.charset)
            if isinstance(docs, Skipped):
                page_failure = docs
            else:
                pages = [_with_entry_fallbacks(d, title=title, published=published, authors=authors) for d in docs]
                articles = [replace(p, fetched=got.fetched) for p in pages if isinstance(p, RawDocument)]
                if articles:
                    return articles, True
                page_failure = next(p for p in pages if isinstance(p, Skipped))
        except FetchFailure as exc:
            page_failure = Skipped(link, exc.reason, exc.detail, "fetch")
    content = _fragment_text(_entry_content(entry))
    if content.strip():
        from triangulate.readers import domain_of

        doc = RawDocument(
            origin=link or f"{feed_url}#{entry_key(entry)}",
            content=content,
            kind="text",
            # An entry without a link is the feed's own outlet's (never a name made of its id).
            source=None if domain_of(link) else domain_of(feed_url),
            url=link,
            title=title,
            published=published,
            authors=authors,
            fetched=now_iso(),
        )
        if page_failure is not None:
            log.info("%s: page failed (%s), using the feed entry's own text", link, page_failure.reason)
        return [doc], True
    if page_failure is not None:
        return page_failure, page_failure.reason not in TRANSIENT
    return Skipped(link or feed_url, "empty", "the feed entry has no link and no text", "feed"), True


def _with_entry_fallbacks(
    page: RawDocument, *, title: str | None, published: str | None, authors: tuple[str, ...]
) -> RawDocument | Skipped:
    """The page as read, given the entry's title, date and authors only where it has none of its own.

    The page is cleaned to find out, so it becomes the same article as when its
    URL is ingested directly (its headline is the title, not a body paragraph).
    A page without article text is returned as its ``Skipped``.
    """
    own = _clean(page)
    if isinstance(own, Skipped):
        return own
    return replace(
        page,
        title=page.title or (None if own is not None and own.title else title),
        published=page.published or _entry_or_page_time(own.published if own is not None else None, published),
        authors=page.authors or (() if own is not None and own.authors else authors),
    )


def _entry_or_page_time(page: str | None, entry: str | None) -> str | None:
    """``None`` when the page's own time stands (the page then keeps it), else the entry's.

    A page that gives its day alone (``2026-12-04``) takes the entry's time of that day
    (``Fri, 04 Dec 2026 15:20:00 GMT``): the time decides which of two copies came first.
    """
    if not page:
        return entry
    day = read_time(page)
    if day is not None and day.day_only and entry:  # YYYY-MM-DD, no time of day
        when, written = parse_time(entry), parse_time_as_written(entry)
        # The page's day in UTC or in the entry's own zone ("Fri, 04 Dec 2026 23:30 -0500").
        if when is not None and written is not None and day.at.date() in (when.date(), written.date()):
            return entry
    return None


def _clean(page: RawDocument) -> Article | Skipped | None:
    """The page cleaned, or ``None`` when cleaning fails (the ingest then records why)."""
    from triangulate.clean import clean

    try:
        return clean(page)
    except Exception:  # a bad page is data, never a crash of the poll
        return None


_BLOCK_END = re.compile(r"(?i)<\s*(?:br\s*/?|/\s*(?:p|div|li|h[1-6]|blockquote|section|article|tr))\s*>")
_TAG = re.compile(r"<[^>]*>")


def _fragment_text(fragment: str) -> str:
    """The text of a feed entry's HTML fragment (or plain text), one paragraph per block.

    Feed summaries are fragments, not pages: a page extractor finds no article in
    them, so blocks become paragraphs and tags go.
    """
    if "<" not in fragment:
        return fragment.strip()
    text = _BLOCK_END.sub("\n\n", fragment)
    text = html.unescape(_TAG.sub(" ", text))
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    return "\n\n".join(p for p in paragraphs if p)


def _kind(content_type: str) -> str | None:
    if "html" in content_type:
        return "html"
    if content_type in ("text/plain",):
        return "text"
    if content_type in ("text/markdown",):
        return "markdown"
    return None


def poll_feed(
    store: Store,
    fetcher: Fetcher,
    feed: FeedInfo,
    *,
    ingest: Callable[[Sequence[RawDocument | Skipped]], list[IngestResult]],
    interval: float = 900.0,
    max_entries: int = 200,
    follow: bool = True,
) -> PollResult:
    """Poll one feed once and ingest its new entries.

    Args:
        store: the corpus store (feed state, seen entries, skips).
        fetcher: the fetcher (its safety and politeness rules apply).
        feed: the feed to poll.
        ingest: takes documents, returns one :class:`IngestResult` each.
        interval: seconds until the next poll after a success.
        max_entries: new entries taken per poll, oldest first (the others at the next polls).
        follow: fetch each entry's article page (else use the entry's text).
    """
    import feedparser

    from triangulate.readers import read_bytes

    stamp = now_iso()
    try:
        got = fetcher.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified, accept=FEED_ACCEPT)
    except FetchFailure as exc:
        return _failed(store, feed, exc.reason, exc.detail, stamp, interval)
    if got.not_modified:
        nxt = next_poll_time(interval, 0)
        store.update_feed(feed.url, last_polled=stamp, last_status="not-modified", last_error=None, error_count=0, next_poll=nxt)
        return PollResult(feed.url, "not-modified", next_poll=nxt)
    parsed = feedparser.parse(got.content, response_headers={"content-location": got.final_url})
    if not parsed.get("version") and not parsed.entries:
        kind = got.content_type or "unknown content"
        return _failed(store, feed, "not_a_feed", f"{feed.url} answered {kind}, not an RSS/Atom feed", stamp, interval)
    entries = list(parsed.entries)
    _drop_guid_links(entries, got.content)
    keys = [entry_key(e) for e in entries]
    seen = store.seen_entries(feed.url, keys)
    fresh = [(k, e) for k, e in zip(keys, entries) if k not in seen]
    fresh = _oldest_first(fresh)  # so that origins precede their copies
    later = len(fresh) - max_entries
    if later > 0:
        # A long feed (an archive, a first poll) is taken max_entries at a time, oldest first;
        # the rest waits for the next poll, which reads the whole feed again (no validators).
        fresh = fresh[:max_entries]
        log.info("feed %s: %d new entries; %d taken now, %d at the next polls", feed.url, len(fresh) + later, len(fresh), later)
    results: list[IngestResult] = []
    settled: list[tuple[str, str | None]] = []
    for key, entry in fresh:
        docs, done = entry_documents(entry, feed_url=feed.url, fetcher=fetcher, read=read_bytes, follow=follow)
        batch: list[RawDocument | Skipped] = [docs] if isinstance(docs, Skipped) else list(docs)
        entry_results = ingest(batch)
        results.extend(entry_results)
        if done:
            article = next((r.article_id for r in entry_results if r.article_id), None)
            settled.append((key, article))
            # Marked as soon as its article is stored: a poll stopped half-way (Ctrl-C, a
            # `timeout`, a service stop) goes on from the next entry, not from the first.
            store.mark_entries(feed.url, [(key, article)])
    pending = len(fresh) - len(settled) + max(later, 0)
    if pending:
        log.info("feed %s: %d entries to try again, so the next poll reads the whole feed", feed.url, pending)
    # A title given when the feed was added (--title, an OPML outline) stays; a feed given
    # none is named by its own title, and follows it when the feed renames itself.
    title = feed.title if feed.title_given else (str(parsed.feed.get("title") or "").strip() or feed.title)
    nxt = next_poll_time(interval, 0)
    store.update_feed(
        feed.url,
        title=title,
        # Without validators the next poll cannot be answered 304, which would hide the pending entries.
        etag=None if pending else got.etag,
        last_modified=None if pending else got.last_modified,
        last_polled=stamp,
        last_status=f"ok {got.status}",
        last_error=None,
        error_count=0,
        next_poll=nxt,
    )
    return PollResult(feed.url, "ok", entries=len(entries), new_entries=len(fresh), results=tuple(results), next_poll=nxt)


#: Refusals of this side (a private address without --allow-private, robots.txt): the feed did
#: nothing wrong, so they do not count as its errors or push its next poll back.
_REFUSED_HERE = frozenset({"private_address", "robots_disallowed"})


def _failed(store: Store, feed: FeedInfo, reason: str, detail: str, stamp: str, interval: float) -> PollResult:
    errors = feed.error_count if reason in _REFUSED_HERE else feed.error_count + 1
    nxt = next_poll_time(interval, 0 if reason in _REFUSED_HERE else errors)
    store.update_feed(feed.url, last_polled=stamp, last_status="error", last_error=f"{reason}: {detail}", error_count=errors, next_poll=nxt)
    store.add_skips([Skipped(feed.url, reason, detail, "feed")])
    # Info, not a warning: the caller gets the failure in the PollResult (watch prints it once).
    log.info("feed %s failed (%s): %s; next poll %s", feed.url, reason, detail, nxt)
    return PollResult(feed.url, "error", error=reason, detail=detail, next_poll=nxt)


def read_opml(path: str | os.PathLike[str]) -> OpmlFeeds:
    """The feeds listed in an OPML file, and the outlines that cannot be followed (with why).

    Raises:
        InputError: when the file cannot be read (``E111``) or is not XML (``E110``).
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}", code="E111") from exc
    return parse_opml_feeds(data)
