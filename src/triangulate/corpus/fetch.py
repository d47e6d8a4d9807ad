"""A polite, careful HTTP fetcher for articles and feeds.

Politeness: a clear User-Agent (``triangulate/<version> (+URL)``), robots.txt
respected (its ``Crawl-delay`` too), a delay between two requests to one host,
timeouts, and retries with exponential backoff on timeouts, connection errors,
429 and 5xx answers (``Retry-After`` honoured, capped).

Safety: by default the fetcher refuses any URL whose host is, or resolves to,
an address that is not globally routable (loopback, private, link-local,
shared, reserved, multicast, unspecified, IPv4-mapped forms of these). Every
address a name resolves to is checked, every redirect hop is checked again,
and the connection is pinned to the address that was checked (the URL is
rewritten to that IP, with the original ``Host`` header and TLS server name),
so a second DNS answer cannot slip a private address in (DNS rebinding).
``allow_private=True`` lifts the guard for local testing.

Every failure is a :class:`FetchFailure` with a stable ``reason`` code, which
ingest turns into a recorded skip.
"""

from __future__ import annotations

import ipaddress
import logging
import random
import socket
import threading
import time
import urllib.robotparser
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from triangulate.errors import FetchError

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

PROJECT_URL = "https://github.com/triangulate/triangulate"


def user_agent() -> str:
    """``triangulate/<version> (+project URL)``."""
    try:
        from triangulate import __version__
    except ImportError:  # pragma: no cover
        __version__ = "0"
    return f"triangulate/{__version__} (+{PROJECT_URL})"


class FetchFailure(FetchError):
    """A URL could not be fetched; ``reason`` is a stable code such as ``http_404`` or ``private_address``."""

    def __init__(self, url: str, reason: str, detail: str, *, status: int | None = None) -> None:
        self.url = url
        self.reason = reason
        self.status = status
        super().__init__(f"{url}: {detail}", code="E401" if reason == "private_address" else "E400")
        self.detail = detail  # without the URL, which a skip names as its origin already


def header_charset(content_type: str) -> str | None:
    """``charset`` of a ``Content-Type`` value: ``text/html; charset="koi8-r"`` -> ``koi8-r``."""
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def _check_deadline(url: str, deadline: float, total: float) -> None:
    if time.monotonic() > deadline:
        raise FetchFailure(url, "timeout", f"took over {total:g} s to send its answer")


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How the fetcher behaves. All times in seconds.

    Args:
        timeout: read/write/pool timeout of one request (each read: a body that trickles in
            slowly never reaches it).
        connect_timeout: connect timeout of one request.
        total_timeout: the most one request may take, its whole body included.
        retries: extra attempts after a timeout, connection error, 429 or 5xx.
        backoff: first retry delay; doubles at each retry (with up to 25% jitter).
        max_backoff: cap of one retry delay (also caps ``Retry-After``).
        delay: minimum time between two requests to the same host.
        max_bytes: largest body accepted (larger answers are refused).
        max_redirects: redirect hops followed before giving up.
        robots: respect robots.txt.
        robots_ttl: seconds a host's robots.txt is trusted before it is read again
            (RFC 9309 asks for no more than 24 hours).
        allow_private: allow loopback / private / link-local / reserved addresses.
        user_agent: the User-Agent header (default :func:`user_agent`).
    """

    timeout: float = 15.0
    connect_timeout: float = 5.0
    total_timeout: float = 60.0
    retries: int = 2
    backoff: float = 1.0
    max_backoff: float = 30.0
    delay: float = 1.0
    max_bytes: int = 20_000_000
    max_redirects: int = 5
    robots: bool = True
    robots_ttl: float = 86_400.0
    allow_private: bool = False
    user_agent: str = field(default_factory=user_agent)


@dataclass(frozen=True, slots=True)
class Fetched:
    """A successful answer (or a 304 ``not_modified`` to a conditional GET)."""

    url: str
    final_url: str
    status: int
    headers: Mapping[str, str]
    content: bytes
    fetched: str
    not_modified: bool = False

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        """The charset the ``Content-Type`` header declares, if any."""
        return header_charset(self.headers.get("content-type", ""))


Resolver = Callable[[str, int], list[str]]


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchFailure(host, "dns_error", f"cannot resolve {host}: {exc.strerror or exc}") from exc
    except UnicodeError as exc:
        raise FetchFailure(host, "bad_url", f"not a valid host name: {host!r} ({exc})") from exc
    out: list[str] = []
    for info in infos:
        addr = str(info[4][0]).split("%", 1)[0]
        if addr not in out:
            out.append(addr)
    return out


def host_name_problem(host: str) -> str | None:
    """Why ``host`` cannot be a host name (an empty label, as in ``a..b``, or one over 63
    bytes, or a name no IDNA encoding takes), or None when it can. An IP address passes."""
    name = host.strip("[]")
    try:
        ipaddress.ip_address(name)
        return None
    except ValueError:
        pass
    labels = name[:-1].split(".") if name.endswith(".") else name.split(".")
    if any(not label for label in labels):
        return "an empty label"
    try:
        encoded = name.encode("idna")
    except UnicodeError as exc:
        return f"no IDNA form ({exc})"
    if any(len(label) > 63 for label in encoded.split(b".")) or len(encoded) > 253:
        return "a label over 63 bytes or a name over 253"
    return None


def is_public_address(address: str) -> bool:
    """Whether an IP address is globally routable (the only kind fetched by default)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            return is_public_address(str(mapped))
        if ip.teredo is not None:
            return False
    return bool(ip.is_global) and not (ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local or ip.is_private)


def check_host(host: str, port: int, *, resolver: Resolver = system_resolver) -> list[str]:
    """Resolve ``host`` and refuse it unless every address is public.

    Returns:
        The addresses (all public).

    Raises:
        FetchFailure: ``private_address`` when any address is not public, ``dns_error``
            when the name does not resolve.
    """
    host = host.strip("[]")
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        if host.lower() in {"localhost", "localhost.localdomain"} or host.lower().endswith(".localhost"):
            raise FetchFailure(host, "private_address", f"refusing {host}: a loopback name (use --allow-private for local testing)") from None
        addresses = resolver(host, port)
    if not addresses:
        raise FetchFailure(host, "dns_error", f"{host} resolves to no address")
    bad = [a for a in addresses if not is_public_address(a)]
    if bad:
        raise FetchFailure(
            host,
            "private_address",
            f"refusing {host}: it resolves to a non-public address ({', '.join(bad)}); use --allow-private for local testing",
        )
    return addresses


class Fetcher:
    """Fetch URLs politely and safely (see the module docstring).

    Args:
        settings: :class:`FetchSettings`.
        transport: an httpx transport (tests use ``httpx.MockTransport``).
        resolver: ``(host, port) -> [addresses]``; the system resolver by default.
        sleep, clock: injectable for tests.

    Example:
        >>> with Fetcher(FetchSettings(allow_private=True)) as f:      # doctest: +SKIP
        ...     page = f.fetch("http://127.0.0.1:8000/a.html")
    """

    def __init__(
        self,
        settings: FetchSettings | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        resolver: Resolver = system_resolver,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings or FetchSettings()
        self._resolver = resolver
        self._sleep = sleep
        self._clock = clock
        s = self.settings
        # No connection is kept for the next request: each one opens its own, so that the
        # deadline of a request can cut that connection (_Deadline; requests to one host are
        # a second apart at least, a handshake costs little beside that).
        self._client = httpx.Client(
            transport=transport,
            follow_redirects=False,
            timeout=httpx.Timeout(s.timeout, connect=s.connect_timeout),
            limits=httpx.Limits(max_keepalive_connections=0),
            headers={"User-Agent": s.user_agent, "Accept-Encoding": "gzip, deflate"},
            trust_env=False,
        )
        # origin -> (parser or None, disallow all, when it was read)
        self._robots: dict[str, tuple[urllib.robotparser.RobotFileParser | None, bool, float]] = {}
        self._last: dict[str, float] = {}
        self._crawl_delay: dict[str, float] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- public ------------------------------------------------------------------

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    ) -> Fetched:
        """GET ``url`` following redirects (each hop checked), with retries.

        Args:
            etag, last_modified: validators for a conditional GET; a 304 answer
                comes back as ``Fetched(not_modified=True, content=b"")``.

        Raises:
            FetchFailure: with ``reason`` one of ``bad-url``, ``private_address``,
                ``dns_error``, ``robots-disallowed``, ``redirect-loop``,
                ``too-many-redirects``, ``http_<status>``, ``timeout``,
                ``connection-error``, ``too-large``, ``bad-encoding``.
        """
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        try:
            seen = {self._normal(url)}
        except ValueError as exc:  # "http://[::1": urlsplit refuses it
            raise FetchFailure(url, "bad_url", f"not a valid URL: {url!r} ({exc})") from exc
        for _hop in range(self.settings.max_redirects + 1):
            try:
                got = self._hop(url, current, headers, seen)
            except FetchFailure as exc:
                if current == url:
                    raise
                # The skip names the URL asked for: say where, after its redirects, it failed.
                raise FetchFailure(url, exc.reason, f"{exc.detail} (at {current}, where it redirects)", status=exc.status) from exc
            if isinstance(got, Fetched):
                return got
            current = got
        raise FetchFailure(url, "too_many_redirects", f"more than {self.settings.max_redirects} redirects")

    def _hop(self, url: str, current: str, headers: dict[str, str], seen: set[str]) -> Fetched | str:
        """One request of :meth:`fetch`: the answer, or the URL it redirects to."""
        self._validate(current)
        if self.settings.robots and not self._robots_allow(current):
            raise FetchFailure(current, "robots_disallowed", f"robots.txt of {urlsplit(current).netloc} disallows {urlsplit(current).path or '/'}")
        status, resp_headers, body = self._get_with_retries(current, headers)
        if status in (301, 302, 303, 307, 308):
            location = resp_headers.get("location")
            if not location:
                raise FetchFailure(current, f"http_{status}", f"redirect {status} without a Location header", status=status)
            try:
                nxt = urljoin(current, location)
                key = self._normal(nxt)
            except ValueError as exc:
                raise FetchFailure(current, "bad_url", f"redirect to a URL that is not valid: {location!r}", status=status) from exc
            if key in seen:
                raise FetchFailure(url, "redirect_loop", f"redirect loop: {current} -> {nxt}", status=status)
            seen.add(key)
            return nxt
        stamp = _now_iso()
        if status == 304:
            return Fetched(url, current, status, resp_headers, b"", stamp, not_modified=True)
        if status >= 400:
            raise FetchFailure(current, f"http_{status}", f"HTTP {status}", status=status)
        return Fetched(url, current, status, resp_headers, body, stamp)

    # --- guard -------------------------------------------------------------------------

    @staticmethod
    def _normal(url: str) -> str:
        parts = urlsplit(url)
        return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))

    def _validate(self, url: str) -> list[str] | None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchFailure(url, "bad_url", f"not an http(s) URL: {url!r}")
        problem = host_name_problem(parts.hostname)
        if problem:
            raise FetchFailure(url, "bad_url", f"not a valid host name ({parts.hostname!r}: {problem})")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise FetchFailure(url, "bad_url", f"bad port in {url!r}") from exc
        if self.settings.allow_private:
            return None
        try:
            return check_host(parts.hostname, port, resolver=self._resolver)
        except FetchFailure as exc:
            raise FetchFailure(url, exc.reason, exc.detail) from None

    def _pinned(self, url: str) -> tuple[str, dict[str, str], dict[str, Any]]:
        """The request target for ``url``: rewritten to a checked IP unless private addresses are allowed."""
        addresses = self._validate(url)
        if not addresses:
            return url, {}, {}
        parts = urlsplit(url)
        host = parts.hostname or ""
        try:
            ipaddress.ip_address(host.strip("[]"))
            return url, {}, {}  # already an address, checked
        except ValueError:
            pass
        addr = addresses[0]
        ip_host = f"[{addr}]" if ":" in addr else addr
        netloc = ip_host + (f":{parts.port}" if parts.port else "")
        target = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        host_header = host + (f":{parts.port}" if parts.port else "")
        extensions: dict[str, Any] = {"sni_hostname": host} if parts.scheme == "https" else {}
        return target, {"Host": host_header}, extensions

    # --- politeness ----------------------------------------------------------------------

    def _wait_turn(self, url: str) -> None:
        host = urlsplit(url).netloc.lower()
        with self._lock:
            delay = max(self.settings.delay, self._crawl_delay.get(host, 0.0))
            last = self._last.get(host)
            now = self._clock()
            wait = 0.0 if last is None else last + delay - now
            self._last[host] = now + max(wait, 0.0)
        if wait > 0:
            self._sleep(wait)

    def _robots_allow(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc.lower()}"
        cached = self._robots.get(origin)
        if cached is None or self._clock() - cached[2] >= self.settings.robots_ttl:
            cached = (*self._load_robots(origin), self._clock())
            self._robots[origin] = cached
        parser, disallow_all, _read_at = cached
        if disallow_all:
            return False
        if parser is None:
            return True
        return parser.can_fetch(self.settings.user_agent, url)

    def _load_robots(self, origin: str) -> tuple[urllib.robotparser.RobotFileParser | None, bool]:
        """robots.txt of an origin: a 4xx or unreachable file allows all, a 5xx disallows all (RFC 9309)."""
        robots_url = origin + "/robots.txt"
        self._crawl_delay.pop(urlsplit(origin).netloc, None)  # a re-read file may have dropped it
        try:
            self._validate(robots_url)
            status, _headers, body = self._get_with_retries(robots_url, {"Accept": "text/plain"}, retries=0)
            hops = 0
            while status in (301, 302, 303, 307, 308) and hops < 5:
                # robots.txt may redirect (http -> https); follow a few hops, each checked.
                loc = _headers.get("location")
                if not loc:
                    break
                robots_url = urljoin(robots_url, loc)
                self._validate(robots_url)
                status, _headers, body = self._get_with_retries(robots_url, {"Accept": "text/plain"}, retries=0)
                hops += 1
        except FetchFailure as exc:
            if exc.reason == "private_address":
                raise
            if exc.status is not None and exc.status >= 500:  # the retry layer raises for a 5xx
                log.info("robots.txt of %s answered %d: disallowing all (RFC 9309)", origin, exc.status)
                return None, True
            log.info("robots.txt of %s unreachable (%s): allowing", origin, exc.reason)
            return None, False
        if status >= 500:
            return None, True
        if status >= 400:
            return None, False
        parser = urllib.robotparser.RobotFileParser(robots_url)
        parser.parse(body.decode("utf-8", "replace").splitlines())
        delay = parser.crawl_delay(self.settings.user_agent)
        if delay:
            self._crawl_delay[urlsplit(origin).netloc] = min(float(delay), 60.0)
        return parser, False

    # --- transport -------------------------------------------------------------------------

    def _get_with_retries(self, url: str, headers: dict[str, str], *, retries: int | None = None) -> tuple[int, dict[str, str], bytes]:
        attempts = (self.settings.retries if retries is None else retries) + 1
        last: FetchFailure | None = None
        for attempt in range(attempts):
            if attempt:
                assert last is not None
                self._sleep(self._retry_delay(attempt, last))
            self._wait_turn(url)
            try:
                status, resp_headers, body = self._get_once(url, headers)
            except FetchFailure as exc:
                if exc.reason not in ("timeout", "connection_error"):
                    raise
                last = exc
                log.info("fetch %s failed (%s), attempt %d/%d", url, exc.reason, attempt + 1, attempts)
                continue
            if status == 429 or status >= 500:
                last = FetchFailure(url, f"http_{status}", f"HTTP {status}", status=status)
                last.retry_after = resp_headers.get("retry-after")  # type: ignore[attr-defined]
                log.info("fetch %s answered %d, attempt %d/%d", url, status, attempt + 1, attempts)
                continue
            return status, resp_headers, body
        assert last is not None
        raise last

    def _retry_delay(self, attempt: int, failure: FetchFailure) -> float:
        base = self.settings.backoff * (2 ** (attempt - 1))
        retry_after = getattr(failure, "retry_after", None)
        if retry_after:
            try:
                base = max(base, float(retry_after))
            except ValueError:
                try:
                    base = max(base, parsedate_to_datetime(retry_after).timestamp() - time.time())
                except (TypeError, ValueError):
                    pass
        base = min(float(base), self.settings.max_backoff)
        return float(base * (1.0 + 0.25 * random.random()))

    def _get_once(self, url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        target, extra_headers, extensions = self._pinned(url)
        limit = self.settings.max_bytes
        deadline = time.monotonic() + self.settings.total_timeout
        cutoff = _Deadline(self.settings.total_timeout)
        late = f"took over {self.settings.total_timeout:g} s to send its answer"
        try:
            with cutoff:
                got = self._get_once_within(url, target, {**headers, **extra_headers}, {**extensions, "trace": cutoff.trace}, limit, deadline)
            if cutoff.fired:  # an answer without a length, ended by the cut: not the whole of it
                raise FetchFailure(url, "timeout", late)
            return got
        except FetchFailure as exc:
            # The deadline cut the connection while the answer trickled in: the read failed for that.
            if cutoff.fired and exc.reason in ("connection_error", "truncated", "bad_encoding"):
                raise FetchFailure(url, "timeout", late) from exc
            raise
        except (httpx.HTTPError, OSError) as exc:
            if cutoff.fired:
                raise FetchFailure(url, "timeout", late) from exc
            raise

    def _get_once_within(
        self, url: str, target: str, headers: dict[str, str], extensions: dict[str, Any], limit: int, deadline: float
    ) -> tuple[int, dict[str, str], bytes]:
        try:
            request = self._client.build_request("GET", target, headers=headers, extensions=extensions)
            response = self._client.send(request, stream=True)
            try:
                length = response.headers.get("content-length")
                if length and length.isdigit() and int(length) > limit:
                    raise FetchFailure(url, "too_large", f"{int(length):,} bytes, over the {limit:,} byte limit")
                encoding = response.headers.get("content-encoding", "").strip().lower()
                if encoding in ("gzip", "x-gzip"):
                    body = self._gunzip(url, response, limit, deadline, self.settings.total_timeout)
                else:
                    chunks: list[bytes] = []
                    size = 0
                    for chunk in response.iter_bytes():
                        _check_deadline(url, deadline, self.settings.total_timeout)
                        size += len(chunk)
                        if size > limit:
                            raise FetchFailure(url, "too_large", f"over the {limit:,} byte limit")
                        chunks.append(chunk)
                    body = b"".join(chunks)
                return response.status_code, {k.lower(): v for k, v in response.headers.items()}, body
            finally:
                response.close()
        except httpx.TimeoutException as exc:
            raise FetchFailure(url, "timeout", f"timed out ({type(exc).__name__})") from exc
        except httpx.DecodingError as exc:
            raise FetchFailure(url, "bad_encoding", f"cannot decode the body: {exc}") from exc
        except httpx.RemoteProtocolError as exc:
            if "location header" in str(exc).lower():  # a redirect to a URL that cannot be read: not worth a retry
                raise FetchFailure(url, "bad_url", f"redirect to a URL that is not valid ({exc})") from exc
            raise FetchFailure(url, "connection_error", f"cannot connect: {exc or type(exc).__name__}") from exc
        except (httpx.TransportError, httpx.InvalidURL) as exc:
            if _caused_by(exc, socket.gaierror):  # the name does not resolve (private addresses allowed)
                raise FetchFailure(url, "dns_error", f"cannot resolve {urlsplit(url).hostname}: {exc}") from exc
            raise FetchFailure(url, "connection_error", f"cannot connect: {exc or type(exc).__name__}") from exc
        except UnicodeError as exc:  # a host name the IDNA codec refuses, found late
            raise FetchFailure(url, "bad_url", f"not a valid host name ({exc})") from exc


    @staticmethod
    def _gunzip(url: str, response: httpx.Response, limit: int, deadline: float, total: float) -> bytes:
        """Decompress a gzip body ourselves: a truncated stream is an error (httpx would
        return the partial text silently) and a decompression bomb stops at ``limit``."""
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_raw():
                _check_deadline(url, deadline, total)
                while chunk:
                    piece = decoder.decompress(chunk, max(1, limit + 1 - size))
                    size += len(piece)
                    if size > limit:
                        raise FetchFailure(url, "too_large", f"over the {limit:,} byte limit (decompressed)")
                    out.append(piece)
                    chunk = decoder.unconsumed_tail
                if decoder.eof:
                    break
            out.append(decoder.flush())
        except zlib.error as exc:
            raise FetchFailure(url, "bad_encoding", f"the gzip body is corrupt: {exc}") from exc
        if not decoder.eof:
            raise FetchFailure(url, "truncated", "the gzip body is truncated")
        return b"".join(out)


class _Deadline:
    """Cuts the connection of one request when its time is up, whatever it is waiting for.

    httpx's timeouts bound each read; a server that sends its headers, or its body, a
    line at a time never trips them. httpcore tells (its ``trace`` extension) when the
    request's connection is open; from then on, once ``seconds`` have passed, its socket is
    shut down, the read waiting on it fails, and :meth:`Fetcher._get_once` reports a
    ``timeout``.
    """

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        if not event.endswith(("connect_tcp.complete", "start_tls.complete")):
            return
        stream = info.get("return_value")
        found = stream.get_extra_info("socket") if stream is not None else None
        with self._lock:
            self._socket = found if isinstance(found, socket.socket) else self._socket
            if self.fired:
                self._cut()

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            self._cut()

    def _cut(self) -> None:
        if self._socket is not None:
            try:
                self._socket.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """Whether ``kind`` is in the chain of causes of ``exc``."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _now_iso() -> str:
    from triangulate.corpus.store import now_iso

    return now_iso()
