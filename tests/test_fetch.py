"""The fetcher: politeness, retries, failures as reason codes, and the private-address guard.

Every network test talks to an http.server the test starts on loopback, with
``allow_private=True``; the guard itself is tested without it.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from triangulate.corpus.fetch import FetchFailure, Fetcher, FetchSettings, check_host, is_public_address, user_agent
from triangulate.models import Skipped

Route = Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]


class LoopbackServer:
    """A tiny threaded HTTP server with per-path handlers, recording every request."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str], float]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, time.monotonic()))
                route = server.routes.get(self.path.split("?")[0])
                if route is None:
                    status, headers, body = 404, {"Content-Type": "text/plain"}, b"not found"
                else:
                    status, headers, body = route(self)
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    if "Content-Length" not in headers:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def hits(self, path: str) -> int:
        return sum(1 for p, _, _ in self.requests if p.split("?")[0] == path)


@pytest.fixture()
def server() -> Iterator[LoopbackServer]:
    srv = LoopbackServer()
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


def fast(**overrides: object) -> FetchSettings:
    base = {"allow_private": True, "delay": 0.0, "backoff": 0.01, "max_backoff": 0.05, "timeout": 2.0, "connect_timeout": 2.0}
    base.update(overrides)
    return FetchSettings(**base)  # type: ignore[arg-type]


def page(body: str, status: int = 200, **headers: str) -> Route:
    return lambda h: (status, {"Content-Type": "text/html; charset=utf-8", **headers}, body.encode())


def test_a_page_is_fetched_with_a_clear_user_agent(server: LoopbackServer) -> None:
    server.routes["/a.html"] = page("<html><body><p>Hello</p></body></html>")
    with Fetcher(fast()) as fetcher:
        got = fetcher.fetch(server.base + "/a.html")
    assert got.status == 200 and b"Hello" in got.content
    ua = [h for p, h, _ in server.requests if p == "/a.html"][0]["user-agent"]
    assert ua == user_agent() and ua.startswith("triangulate/") and "(+http" in ua


def test_a_500_is_retried_then_reported_with_its_status(server: LoopbackServer) -> None:
    server.routes["/down"] = page("oops", status=500)
    with Fetcher(fast(retries=2)) as fetcher, pytest.raises(FetchFailure) as info:
        fetcher.fetch(server.base + "/down")
    assert info.value.reason == "http_500"
    assert server.hits("/down") == 3  # one try and two retries


def test_a_transient_503_that_recovers_is_fetched(server: LoopbackServer) -> None:
    calls = {"n": 0}

    def flaky(h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        calls["n"] += 1
        return (503, {}, b"busy") if calls["n"] == 1 else (200, {"Content-Type": "text/plain"}, b"ok now")

    server.routes["/flaky"] = flaky
    with Fetcher(fast(retries=2)) as fetcher:
        assert fetcher.fetch(server.base + "/flaky").content == b"ok now"


def test_a_404_is_not_retried(server: LoopbackServer) -> None:
    with Fetcher(fast(retries=3)) as fetcher, pytest.raises(FetchFailure) as info:
        fetcher.fetch(server.base + "/missing")
    assert info.value.reason == "http_404"
    assert server.hits("/missing") == 1


def test_a_server_that_does_not_answer_in_time_is_a_timeout(server: LoopbackServer) -> None:
    def slow(h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        time.sleep(1.5)
        return 200, {}, b"late"

    server.routes["/slow"] = slow
    with Fetcher(fast(timeout=0.3, retries=1)) as fetcher, pytest.raises(FetchFailure) as info:
        fetcher.fetch(server.base + "/slow")
    assert info.value.reason == "timeout"
    assert server.hits("/slow") == 2


def test_a_redirect_loop_is_detected(server: LoopbackServer) -> None:
    server.routes["/a"] = page("", status=302, Location="/b")
    server.routes["/b"] = page("", status=301, Location="/a")
    with Fetcher(fast()) as fetcher, pytest.raises(FetchFailure) as info:
        fetcher.fetch(server.base + "/a")
    assert info.value.reason == "redirect_loop"


def test_too_many_redirects_stop(server: LoopbackServer) -> None:
    for i in range(10):
        server.routes[f"/r{i}"] = page("", status=302, Location=f"/r{i + 1}")
    with Fetcher(fast(max_redirects=3)) as fetcher, pytest.raises(FetchFailure) as info:
        fetcher.fetch(server.base + "/r0")
    assert info.value.reason == "too_many_redirects"


def test_redirects_are_followed_to_the_final_url(server: LoopbackServer) -> None:
    server.routes["/old"] = page("", status=301, Location="/new")
    server.routes["/new"] = page("<p>moved</p>")
    with Fetcher(fast()) as fetcher:
        got = fetcher.fetch(server.base + "/old")
    assert got.final_url == server.base + "/new" and b"moved" in got.content


def test_robots_txt_disallow_is_respected(server: LoopbackServer) -> None:
    server.routes["/robots.txt"] = lambda h: (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private/\n")
    server.routes["/private/a"] = page("secret")
    server.routes["/public/a"] = page("fine")
    with Fetcher(fast()) as fetcher:
        assert fetcher.fetch(server.base + "/public/a").content == b"fine"
        with pytest.raises(FetchFailure) as info:
            fetcher.fetch(server.base + "/private/a")
    assert info.value.reason == "robots_disallowed"
    assert server.hits("/private/a") == 0
    assert server.hits("/robots.txt") == 1  # cached per host


@pytest.mark.parametrize("status, allowed", [(500, False), (503, False), (404, True)])
def test_robots_txt_answering_5xx_disallows_all_and_4xx_allows_all(server: LoopbackServer, status: int, allowed: bool) -> None:
    server.routes["/robots.txt"] = lambda h: (status, {"Content-Type": "text/plain"}, b"error")
    server.routes["/article"] = page("story")
    with Fetcher(fast()) as fetcher:
        if allowed:
            assert fetcher.fetch(server.base + "/article").content == b"story"
        else:
            with pytest.raises(FetchFailure) as info:
                fetcher.fetch(server.base + "/article")
            assert info.value.reason == "robots_disallowed"
    assert server.hits("/article") == (1 if allowed else 0)


def test_robots_txt_is_read_again_after_its_time_to_live(server: LoopbackServer) -> None:
    rules = {"body": b"User-agent: *\nDisallow:\n"}
    server.routes["/robots.txt"] = lambda h: (200, {"Content-Type": "text/plain"}, rules["body"])
    server.routes["/news/a"] = page("fine")
    now = {"t": 1000.0}
    with Fetcher(fast(robots_ttl=3600.0), clock=lambda: now["t"]) as fetcher:
        assert fetcher.fetch(server.base + "/news/a").content == b"fine"
        rules["body"] = b"User-agent: *\nDisallow: /news/\n"
        now["t"] += 3599.0
        assert fetcher.fetch(server.base + "/news/a").content == b"fine"  # still the cached rules
        now["t"] += 2.0
        with pytest.raises(FetchFailure) as info:
            fetcher.fetch(server.base + "/news/a")
    assert info.value.reason == "robots_disallowed"
    assert server.hits("/robots.txt") == 2


def test_robots_txt_can_be_ignored_when_configured(server: LoopbackServer) -> None:
    server.routes["/robots.txt"] = lambda h: (200, {}, b"User-agent: *\nDisallow: /\n")
    server.routes["/x"] = page("x")
    with Fetcher(fast(robots=False)) as fetcher:
        assert fetcher.fetch(server.base + "/x").content == b"x"


def test_conditional_get_sends_validators_and_reports_304(server: LoopbackServer) -> None:
    def feed(h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        if h.headers.get("If-None-Match") == '"v1"':
            return 304, {"ETag": '"v1"'}, b""
        return 200, {"ETag": '"v1"', "Last-Modified": "Wed, 15 Oct 2025 08:00:00 GMT"}, b"<rss/>"

    server.routes["/feed"] = feed
    with Fetcher(fast()) as fetcher:
        first = fetcher.fetch(server.base + "/feed")
        second = fetcher.fetch(server.base + "/feed", etag=first.etag, last_modified=first.last_modified)
    assert first.etag == '"v1"' and not first.not_modified
    assert second.not_modified and second.status == 304 and second.content == b""
    sent = [h for p, h, _ in server.requests if p == "/feed"][1]
    assert sent["if-modified-since"] == "Wed, 15 Oct 2025 08:00:00 GMT"


def test_a_body_over_the_limit_is_refused(server: LoopbackServer) -> None:
    server.routes["/big"] = lambda h: (200, {"Content-Type": "text/plain"}, b"x" * 50_000)
    with Fetcher(fast(max_bytes=10_000)) as fetcher, pytest.raises(FetchFailure) as info:
        fetcher.fetch(server.base + "/big")
    assert info.value.reason == "too_large"


def test_a_truncated_gzip_body_is_a_decoding_failure(server: LoopbackServer) -> None:
    import random

    words = [random.Random(7).choice(["harbour", "fire", "ferry", "smoke", "quay", "city"]) + str(i) for i in range(4000)]
    data = gzip.compress(("<p>" + " ".join(words) + "</p>").encode())
    data = data[: len(data) // 2]
    server.routes["/gz"] = lambda h: (200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, data)
    with Fetcher(fast()) as fetcher, pytest.raises(FetchFailure) as info:
        fetcher.fetch(server.base + "/gz")
    assert info.value.reason == "truncated"


def test_a_gzip_bomb_stops_at_the_size_limit(server: LoopbackServer) -> None:
    data = gzip.compress(b"\0" * 5_000_000)
    server.routes["/bomb"] = lambda h: (200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, data)
    with Fetcher(fast(max_bytes=100_000)) as fetcher, pytest.raises(FetchFailure) as info:
        fetcher.fetch(server.base + "/bomb")
    assert info.value.reason == "too_large"


def test_a_gzip_body_is_decompressed(server: LoopbackServer) -> None:
    data = gzip.compress(b"<p>compressed news</p>")
    server.routes["/gzok"] = lambda h: (200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, data)
    with Fetcher(fast()) as fetcher:
        assert fetcher.fetch(server.base + "/gzok").content == b"<p>compressed news</p>"


def test_requests_to_one_host_are_spaced_by_the_politeness_delay(server: LoopbackServer) -> None:
    server.routes["/p"] = page("p")
    with Fetcher(fast(delay=0.3, robots=False)) as fetcher:
        for _ in range(3):
            fetcher.fetch(server.base + "/p")
    times = [t for p, _, t in server.requests if p == "/p"]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(g >= 0.25 for g in gaps), gaps


# --- the private-address guard ----------------------------------------------------------


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254", "::1", "fe80::1", "fc00::5", "0.0.0.0", "100.64.0.1", "::ffff:127.0.0.1", "224.0.0.1", "240.0.0.1"])
def test_non_public_addresses_are_not_public(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "8.8.8.8"])
def test_global_addresses_are_public(address: str) -> None:
    assert is_public_address(address)


@pytest.mark.parametrize("url", ["http://127.0.0.1/a", "http://10.0.0.8/", "http://169.254.169.254/latest/meta-data/", "http://[::1]:8080/", "http://localhost/x"])
def test_the_fetcher_refuses_private_urls_by_default(url: str) -> None:
    with Fetcher(FetchSettings(delay=0.0)) as fetcher, pytest.raises(FetchFailure) as info:
        fetcher.fetch(url)
    assert info.value.reason == "private_address"
    assert "allow-private" in info.value.detail


def test_a_name_resolving_to_any_private_address_is_refused() -> None:
    def resolver(host: str, port: int) -> list[str]:
        return {"news.example": ["93.184.216.34", "10.0.0.7"]}[host]

    with pytest.raises(FetchFailure) as info:
        check_host("news.example", 80, resolver=resolver)
    assert info.value.reason == "private_address" and "10.0.0.7" in info.value.detail


def test_a_public_name_passes_the_guard_and_the_connection_is_pinned_to_the_checked_address() -> None:
    import httpx

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        return httpx.Response(200, text="<p>pinned</p>", headers={"Content-Type": "text/html"})

    def resolver(host: str, port: int) -> list[str]:
        return ["93.184.216.34"]

    fetcher = Fetcher(FetchSettings(delay=0.0), transport=httpx.MockTransport(handler), resolver=resolver)
    got = fetcher.fetch("http://news.example/story")
    assert got.content == b"<p>pinned</p>"
    article = [r for r in seen if r.url.path == "/story"][0]
    assert article.url.host == "93.184.216.34"
    assert article.headers["host"] == "news.example"


def test_a_redirect_to_a_private_address_is_refused() -> None:
    import httpx

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})

    fetcher = Fetcher(FetchSettings(delay=0.0), transport=httpx.MockTransport(handler), resolver=lambda h, p: ["93.184.216.34"])
    with pytest.raises(FetchFailure) as info:
        fetcher.fetch("http://news.example/go")
    assert info.value.reason == "private_address"


def test_a_redirect_from_loopback_to_loopback_works_only_with_allow_private(server: LoopbackServer) -> None:
    server.routes["/r"] = page("", status=302, Location=server.base + "/t")
    server.routes["/t"] = page("target")
    with Fetcher(fast()) as fetcher:
        assert fetcher.fetch(server.base + "/r").content == b"target"
    with Fetcher(fast(allow_private=False)) as fetcher, pytest.raises(FetchFailure) as info:
        fetcher.fetch(server.base + "/r")
    assert info.value.reason == "private_address"
    assert server.hits("/t") == 1


def test_non_http_schemes_are_refused() -> None:
    with Fetcher(fast()) as fetcher, pytest.raises(FetchFailure) as info:
        fetcher.fetch("file:///etc/passwd")
    assert info.value.reason == "bad_url"


@pytest.mark.parametrize("url", ["http://[::1", "http://a]b/", "https://[not-an-address]/x"])
def test_a_url_that_cannot_be_parsed_is_a_bad_url_not_a_crash(url: str) -> None:
    with Fetcher(fast()) as fetcher, pytest.raises(FetchFailure) as info:
        fetcher.fetch(url)
    assert info.value.reason == "bad_url"


def assert_cut_at_the_deadline(url: str, *, within: float, **settings: object) -> None:
    """A fetch of ``url`` (1 s per read, 1.5 s in all, no retry) ends as a ``timeout`` at its
    total deadline, in under ``within`` seconds."""
    started = time.monotonic()
    with Fetcher(fast(timeout=1.0, total_timeout=1.5, retries=0, **settings)) as fetcher, pytest.raises(FetchFailure) as info:
        fetcher.fetch(url)
    assert info.value.reason == "timeout" and "took over 1.5 s" in info.value.detail
    assert time.monotonic() - started < within


@pytest.mark.parametrize("robots", [True, False])
def test_headers_that_trickle_in_forever_are_a_timeout_at_the_total_deadline(robots: bool) -> None:
    # Each header line comes well within the read timeout; the answer never ends. Also
    # robots.txt, the first request to a host, is answered this way.
    import socket
    import threading

    stop = threading.Event()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)

    def answer(conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            n = 0
            while not stop.is_set():
                conn.sendall(b"X-Slow-%d: a\r\n" % n)
                n += 1
                time.sleep(0.2)
        except OSError:
            pass
        finally:
            conn.close()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    threading.Timer(10.0, stop.set).start()  # without a deadline the fetch would end here, and the test fail
    try:
        assert_cut_at_the_deadline(f"http://127.0.0.1:{listener.getsockname()[1]}/never-ends", within=9, robots=robots)
    finally:
        stop.set()
        listener.close()


@pytest.mark.parametrize("allow_private", [True, False])
@pytest.mark.parametrize("host", ["a..b", ".example", "a" * 64 + ".com", "www..example.com"])
def test_a_host_name_with_an_empty_or_overlong_label_is_a_bad_url_not_a_crash(host: str, allow_private: bool) -> None:
    with Fetcher(fast(allow_private=allow_private)) as fetcher, pytest.raises(FetchFailure) as info:
        fetcher.fetch(f"http://{host}/story")
    assert info.value.reason == "bad_url" and "not a valid host name" in info.value.detail


def test_a_skip_of_a_url_that_failed_names_the_url_once(server: LoopbackServer, tmp_path: Path) -> None:
    from triangulate.corpus import Corpus

    server.routes["/moved"] = page("", status=301, Location="/gone")
    with Corpus.open(tmp_path / "c.db", allow_private=True) as corpus:
        skip = corpus.fetch_documents(server.base + "/missing")
        moved = corpus.fetch_documents(server.base + "/moved")
    assert isinstance(skip, Skipped) and skip.reason == "http_404"
    assert skip.origin not in skip.detail  # printed as "skipped URL: http_404 - HTTP 404"
    assert isinstance(moved, Skipped) and moved.detail == f"HTTP 404 (at {server.base}/gone, where it redirects)"


def test_a_redirect_to_a_host_name_no_resolver_takes_is_a_bad_url(server: LoopbackServer) -> None:
    server.routes["/go"] = page("", status=302, Location="http://a..b/x")
    with Fetcher(fast()) as fetcher, pytest.raises(FetchFailure) as info:
        fetcher.fetch(server.base + "/go")
    assert info.value.reason == "bad_url"


def test_a_redirect_httpx_cannot_read_is_a_bad_url_and_not_retried(server: LoopbackServer) -> None:
    server.routes["/go"] = page("", status=302, Location="http://[::1/x")
    with Fetcher(fast(robots=False)) as fetcher, pytest.raises(FetchFailure) as info:
        fetcher.fetch(server.base + "/go")
    assert info.value.reason == "bad_url" and server.hits("/go") == 1


def test_a_name_that_does_not_resolve_is_a_dns_error_also_with_private_addresses_allowed() -> None:
    with Fetcher(fast(robots=False)) as fetcher, pytest.raises(FetchFailure) as info:
        fetcher.fetch("http://no-such-host.invalid/x")
    assert info.value.reason == "dns_error"


def test_a_body_that_trickles_in_forever_is_a_timeout_at_the_total_deadline() -> None:
    import threading
    from http.server import ThreadingHTTPServer

    stop = threading.Event()

    class Trickle(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/robots.txt":
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            while not stop.is_set():  # a word every 0.1 s: each read is quick, the whole never ends
                try:
                    self.wfile.write(b"word ")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.1)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    threading.Timer(8.0, stop.set).start()  # without a deadline the fetch would end here, and the test fail
    try:
        assert_cut_at_the_deadline(f"http://127.0.0.1:{httpd.server_address[1]}/never-ends", within=10)
    finally:
        stop.set()
        httpd.shutdown()
