"""Every error of the HTTP API has one shape: {"ok": false, "error": str, "errors": [str], "status": int}.

Each 4xx the server can answer is provoked here (401, 403, 404, 405, 413, 422),
and every API route is walked with a wrong method and an unknown id.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from triangulate.server import create_app  # noqa: E402

MAX_BODY = 4096
TOKEN = "t0ken"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    app = create_app(tmp_path_factory.mktemp("errors") / "c.db", max_body=MAX_BODY)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def token_client(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    app = create_app(tmp_path_factory.mktemp("errors-token") / "c.db", token=TOKEN)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def assert_error_shape(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"ok", "error", "errors", "status"}, body
    assert body["ok"] is False
    assert body["status"] == status
    assert isinstance(body["error"], str) and body["error"].strip()
    assert isinstance(body["errors"], list) and body["errors"]
    assert all(isinstance(e, str) and e for e in body["errors"])
    return body


CASES = [
    # (method, path, kwargs, status, words the message must contain)
    ("GET", "/api/nope", {}, 404, "no such page"),
    ("GET", "/api/stories/0000000000000000", {}, 404, "no story"),
    ("GET", "/api/articles/ffffffffffffffff", {}, 404, "no article"),
    ("GET", "/no/such/page", {}, 404, "no such page"),
    ("DELETE", "/api/stories", {}, 405, "not allowed"),
    ("PUT", "/api/compare", {"json": {}}, 405, "not allowed"),
    ("GET", "/api/ingest", {}, 405, "not allowed"),
    ("GET", "/api/stories?limit=0", {}, 422, "limit"),
    ("GET", "/api/stories?limit=abc", {}, 422, "limit"),
    ("GET", "/api/stories?offset=-1", {}, 422, "offset"),
    ("GET", "/api/stories?min_sources=0", {}, 422, "min_sources"),
    ("GET", "/api/stories?since=yesterday-ish", {}, 422, "since"),
    ("GET", "/api/articles?since=soon", {}, 422, "since"),
    ("GET", "/api/search", {}, 422, "q"),
    ("GET", "/api/search?q=", {}, 422, "q"),
    ("POST", "/api/compare", {"content": b"{not json", "headers": {"content-type": "application/json"}}, 422, "json"),
    ("POST", "/api/compare", {"json": {}}, 422, "nothing to compare"),
    ("POST", "/api/compare", {"json": {"texts": [""]}}, 422, "no readable article"),
    ("POST", "/api/compare", {"json": {"urls": "not a list"}}, 422, "urls"),
    ("POST", "/api/compare", {"json": {"urls": ["http://127.0.0.1/x"]}}, 422, "private"),
    ("POST", "/api/compare", {"json": {"urls": [f"https://example.com/{i}" for i in range(21)]}}, 413, "at most"),
    ("POST", "/api/ingest", {"json": {}}, 422, "nothing to ingest"),
    ("POST", "/api/ingest", {"json": {"articles": "x"}}, 422, "articles"),
    ("POST", "/api/feeds", {"json": {"url": "file:///etc/passwd"}}, 422, "http"),
    ("POST", "/api/feeds", {"json": {"url": "http://169.254.169.254/latest"}}, 422, "non-public"),
    ("POST", "/api/feeds", {"json": {}}, 422, "url"),
    ("POST", "/api/compare", {"content": b"x" * (MAX_BODY + 1), "headers": {"content-type": "application/json"}}, 413, "larger than the limit"),
    # A body that is not a JSON object says so, whatever is wrong with it (never a 400 or a 500).
    ("POST", "/api/compare", {"content": b'{"texts": ["a" ,]}', "headers": {"content-type": "application/json"}}, 422, "not valid JSON at character 16"),
    ("POST", "/api/compare", {"content": b'{"texts": ["caf\xe9"]}', "headers": {"content-type": "application/json"}}, 422, "not UTF-8"),
    ("POST", "/api/ingest", {"content": b'{"articles": ' + b"[" * 1500 + b"]" * 1500 + b"}", "headers": {"content-type": "application/json"}}, 422, "nested too deeply"),
    ("POST", "/api/compare", {"content": b"[]", "headers": {"content-type": "application/json"}}, 422, "must be a JSON object, not a list"),
    ("POST", "/api/feeds", {"content": b"", "headers": {"content-type": "application/json"}}, 422, "body: missing"),
    ("POST", "/api/compare", {"content": b'{"texts": ["a"]}', "headers": {"content-type": "text/plain"}}, 415, "Content-Type: application/json"),
    ("POST", "/api/ingest", {"data": {"articles": "a"}, "headers": {}}, 415, "Content-Type: application/json"),
    ("POST", "/compare", {"content": b"--x", "headers": {"content-type": "multipart/form-data; boundary=yy"}}, 422, "cannot be read"),
]


@pytest.mark.parametrize(("method", "path", "kwargs", "status", "words"), CASES, ids=[f"{c[3]}-{c[0]}-{c[1][:40]}" for c in CASES])
def test_every_api_error_has_the_one_shape(client: TestClient, method: str, path: str, kwargs: dict, status: int, words: str) -> None:
    headers = {"accept": "application/json", **kwargs.pop("headers", {})} if "headers" in kwargs else {"accept": "application/json"}
    body = assert_error_shape(client.request(method, path, headers=headers, **kwargs), status)
    assert re.search(re.escape(words), body["error"] + " " + " ".join(body["errors"]), re.I), body


def test_a_chunked_body_over_the_limit_is_stopped_with_413(client: TestClient) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(10):
            yield b'{"texts": ["' + b"a" * 1000

    response = client.post("/api/compare", content=chunks(), headers={"content-type": "application/json"})
    assert_error_shape(response, 413)


@pytest.mark.parametrize("auth", [None, "Bearer wrong", "Basic dDBrZW4=", f"bearer{TOKEN}"])
def test_a_missing_or_wrong_token_gets_401(token_client: TestClient, auth: str | None) -> None:
    headers = {"Authorization": auth} if auth else {}
    for path, payload in (("/api/ingest", {"articles": [{"text": "x"}]}), ("/api/feeds", {"url": "https://example.com/rss"})):
        body = assert_error_shape(token_client.post(path, json=payload, headers=headers), 401)
        assert "Bearer" in body["error"]


def test_the_ingest_form_needs_the_token_too(token_client: TestClient) -> None:
    response = token_client.post("/ingest", data={"action": "articles", "records": "Title\n\nText."}, headers={"accept": "application/json"})
    assert_error_shape(response, 401)


@pytest.mark.parametrize(
    ("path", "wrong"),
    [
        ("/api/stories?min_sources=0&since=bogus&limit=0", ["min_sources", "since", "limit"]),
        ("/api/articles?since=soon&offset=-1", ["since", "offset"]),
        ("/?min_sources=0&limit=0", ["min_sources", "limit"]),
        ("/?min_sources=two&since=bogus", ["min_sources", "since"]),
    ],
)
def test_each_invalid_parameter_gets_its_own_error(client: TestClient, path: str, wrong: list[str]) -> None:
    body = assert_error_shape(client.get(path), 422)
    assert sorted(e.split(":")[0] for e in body["errors"]) == sorted(f"query.{name}" for name in wrong), body
    assert not any("Value error" in e for e in body["errors"])


def test_a_browser_refused_on_a_form_gets_the_form_again_with_what_it_typed(token_client: TestClient, client: TestClient) -> None:
    html = {"accept": "text/html", "origin": "http://testserver"}
    typed = "Quay 4 reopens in Porthaven\n\nQuay 4 of Porthaven harbour reopened on Friday after repairs, the <port> office said."
    wrong = token_client.post("/ingest", data={"action": "articles", "records": typed, "outlet": "Quay News", "token": "nope"}, headers=html)
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"].startswith("Bearer")
    assert "needs the server&#39;s token" in wrong.text and 'class="ingest-form"' in wrong.text
    assert "the &lt;port&gt; office said.</textarea>" in wrong.text and 'value="Quay News"' in wrong.text and "nope" not in wrong.text
    urls = "\n".join(f"https://quay.example/{i}" for i in range(21))
    for path, data in (("/ingest", {"action": "articles", "records": typed, "urls": urls}), ("/compare", {"text": [typed, typed], "urls": urls})):
        too_many = client.post(path, data=data, headers=html)
        assert too_many.status_code == 413 and "at most 20 URLs" in too_many.text, path
        assert "the &lt;port&gt; office said.</textarea>" in too_many.text and "https://quay.example/20" in too_many.text, path


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "file:///tmp/page.html"])
@pytest.mark.parametrize("path", ["/ingest", "/compare"])
def test_a_cross_site_form_post_gets_403(client: TestClient, origin: str, path: str) -> None:
    # "null" is what a sandboxed frame or a data: page sends; a file: page has no host.
    response = client.post(path, data={"action": "articles", "records": "Title\n\nText."}, headers={"origin": origin, "accept": "application/json"})
    assert_error_shape(response, 403)


def test_a_same_site_form_post_passes_the_origin_check(client: TestClient) -> None:
    response = client.post("/ingest", data={"action": "feed", "feed": "http://127.0.0.1/rss"}, headers={"origin": "http://testserver"})
    assert response.status_code == 422  # past the origin check: refused for the feed's address


def test_every_api_route_answers_a_wrong_method_and_an_unknown_id_in_the_shape(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    assert len(paths) >= 8
    for template, operations in paths.items():
        path = re.sub(r"\{[^}]+\}", "0000000000000000", template)
        assert "patch" not in operations
        assert_error_shape(client.request("PATCH", path, headers={"accept": "application/json"}), 405)
        if "{" in template and "get" in operations:
            assert_error_shape(client.get(path), 404)


def test_browsers_get_errors_as_a_page_outside_the_api(client: TestClient) -> None:
    page = client.get("/stories/0000000000000000", headers={"accept": "text/html"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "no story" in page.text
    api = client.get("/api/stories/0000000000000000", headers={"accept": "text/html"})
    assert_error_shape(api, 404)  # /api is JSON whatever the client accepts


def test_the_openapi_document_lists_the_error_shape(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    assert "/api/stories" in spec["paths"] and "/api/compare" in spec["paths"]
    assert set(spec["components"]["schemas"]["ErrorBody"]["properties"]) == {"ok", "error", "errors", "status"}
    assert client.get("/docs").status_code == 200


def test_search_on_a_damaged_search_index_is_a_503_with_the_coded_error(tmp_path: Path) -> None:
    import sqlite3

    from triangulate.corpus.store import Store

    db = tmp_path / "c.db"
    Store.open(db).close()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DROP TABLE articles_fts_data")  # what a file copied over an open database can leave
    conn.close()
    with TestClient(create_app(db), raise_server_exceptions=False) as c:
        for path in ("/api/search?q=ferry", "/api/stories?q=ferry"):
            body = assert_error_shape(c.get(path), 503)
            assert body["error"].startswith("[E509]") and "is damaged" in body["error"], body
        page = c.get("/search?q=ferry", headers={"accept": "text/html"})
        assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
        assert "[E509]" in page.text and "Traceback" not in page.text
        assert c.get("/api/stories").status_code == 200  # what does not touch the index still reads


def test_error_pages_escape_what_the_client_sent(client: TestClient) -> None:
    page = client.get("/stories/<script>alert(1)<%2Fscript>", headers={"accept": "text/html"})
    assert page.status_code == 404
    assert "<script>alert(1)" not in page.text


def test_a_path_outside_the_repository_is_never_served(client: TestClient, tmp_path: Path) -> None:
    for path in ("/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2Fapp.py"):
        response = client.get(path)
        assert response.status_code == 404
        assert "create_app" not in response.text


def test_a_browser_posting_too_large_a_form_gets_the_error_as_a_page(client: TestClient) -> None:
    page = client.post("/compare", files={"files": ("big.txt", b"a" * (MAX_BODY + 1), "text/plain")}, headers={"accept": "text/html"})
    assert page.status_code == 413 and page.headers["content-type"].startswith("text/html")
    assert "larger than the limit" in page.text and "<main" in page.text


@pytest.mark.parametrize("path", ["/", "/search", "/api", "/api/stories", "/static/style.css"])
def test_head_answers_like_get_without_a_body(client: TestClient, path: str) -> None:
    get, head = client.get(path), client.head(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b"" and head.headers["content-type"] == get.headers["content-type"]


def test_a_wrong_method_names_every_method_the_path_answers(client: TestClient) -> None:
    for path, allowed in (("/compare", "GET, HEAD, POST"), ("/ingest", "GET, HEAD, POST"), ("/api/stories", "GET, HEAD")):
        response = client.request("DELETE", path, headers={"accept": "application/json"})
        assert_error_shape(response, 405)
        assert response.headers["allow"] == allowed


def test_pages_send_their_origin_with_forms_and_no_referrer_to_other_sites(client: TestClient) -> None:
    # Under no-referrer a browser posts our own forms with "Origin: null", which is refused.
    assert client.get("/compare").headers["referrer-policy"] == "same-origin"


def test_a_loopback_server_refuses_a_host_it_does_not_answer_to(tmp_path: Path) -> None:
    # A page of another site whose name was pointed at 127.0.0.1 (DNS rebinding) sends its
    # own name as Host: refused before anything is read or written.
    from triangulate.server.app import LOOPBACK_HOSTS

    app = create_app(tmp_path / "c.db", allowed_hosts=LOOPBACK_HOSTS)
    with TestClient(app, raise_server_exceptions=False) as c:
        for host in ("127.0.0.1:8000", "localhost", "LOCALHOST:80", "[::1]:8000"):
            assert c.get("/api/stories", headers={"host": host}).status_code == 200, host
        for host in ("rebind.attacker.example", "rebind.attacker.example:8000", "127.0.0.1.attacker.example"):
            body = assert_error_shape(c.get("/api/stories", headers={"host": host}), 400)
            assert "--allowed-host" in body["error"]
            refused = c.post("/api/ingest", headers={"host": host}, json={"records": [{"text": "x y z"}]})
            assert refused.status_code == 400 and refused.headers["content-security-policy"]
        assert c.get("/api/articles", headers={"host": "127.0.0.1"}).json()["total"] == 0


def test_refusals_outside_the_routes_carry_the_security_headers(client: TestClient) -> None:
    too_big = client.post("/api/ingest", content=b"x" * (MAX_BODY + 1), headers={"content-type": "application/json"})
    assert too_big.status_code == 413
    for name in ("content-security-policy", "x-content-type-options", "referrer-policy", "x-frame-options"):
        assert too_big.headers.get(name), name
    assert "frame-ancestors 'none'" in client.get("/docs").headers["content-security-policy"]


def test_dates_at_the_edge_of_the_calendar_and_unparsable_urls_are_refused_or_skipped_not_500(client: TestClient) -> None:
    for since in ("0001-01-01T00:00:00%2B05:00", "Tue,%2031%20Dec%209999%2023:59:59%20-0500"):
        for path in ("/api/stories", "/api/articles"):
            assert_error_shape(client.get(f"{path}?since={since}"), 422)
    for path, body in (("/api/compare", {"urls": ["http://[::1"]}), ("/api/feeds", {"url": "http://[::1"})):
        assert "not a valid URL" in assert_error_shape(client.post(path, json=body), 422)["error"]
    records = [
        {"title": "Edge", "source": "Edge Post", "published": "9999-12-31T23:00:00-05:00", "text": "A date at the end of the calendar, several words long."},
        {"title": "Good", "source": "Edge Post", "text": "A normal article sent in the same request as the other one."},
    ]
    stored = client.post("/api/ingest", json={"articles": records})
    assert stored.status_code == 200 and stored.json()["new"] == 2
    listed = client.get("/api/articles?outlet=Edge%20Post").json()["articles"]
    assert [a["published"] for a in listed] == [None, None]  # no time rather than a crash


def test_pages_print_no_bidirectional_controls_from_what_the_client_sent(client: TestClient) -> None:
    page = client.get("/search?q=harbour%E2%80%AEsecret", headers={"accept": "text/html"})
    assert page.status_code == 200 and "harboursecret" in page.text and "\u202e" not in page.text


def test_the_api_reference_is_a_page_of_the_server_that_lists_every_endpoint(client: TestClient) -> None:
    page = client.get("/docs", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "http://" not in page.text and "https://" not in page.text  # nothing loaded from elsewhere: works offline
    schema = client.get("/api/openapi.json").json()
    for path, methods in schema["paths"].items():
        for method in methods:
            assert f"<code>{method.upper()} {path}</code>" in page.text
    assert page.headers["content-security-policy"] == client.get("/").headers["content-security-policy"]
