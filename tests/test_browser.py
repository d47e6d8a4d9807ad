"""The web UI in a real headless Chromium, used as a person would.

Debian's ``chromium`` driven by Playwright from PyPI (never a browser download):
the server runs in a thread on a free loopback port over a corpus built from the
bundled example. Screenshots of the main pages go to test-artifacts/.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (`make browser-deps`) to run the browser tests", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright; never `playwright install`)")
uvicorn = pytest.importorskip("uvicorn")

from test_server_api import FALLBACK, build_example_corpus  # noqa: E402

from triangulate.server import create_app  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, embedder: object) -> Iterator[dict]:
    db = tmp_path_factory.mktemp("browser") / "corpus.db"
    ids = build_example_corpus(db, embedder)
    app = create_app(db, embedder=embedder)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="test-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    import httpx

    # Analyse the example story once, as opening it would: the list then shows its meter.
    assert httpx.get(f"{base}/api/stories/{ids['story']}", timeout=120).status_code == 200
    try:
        yield {"base": base, **ids}
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture()
def page(browser) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.dialogs = []  # type: ignore[attr-defined]
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


@contextmanager
def story_page(browser, site: dict, *, width: int, height: int) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """The example story's page in a window of ``width`` x ``height``, closed afterwards."""
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        pg = context.new_page()
        pg.goto(f"{site['base']}/stories/{site['story']}")
        yield pg
    finally:
        context.close()


def shot(pg, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_story_list_shows_the_example_story_with_outlets_and_meter(page, site: dict) -> None:  # type: ignore[no-untyped-def]
    page.goto(site["base"] + "/")
    assert page.title().startswith("Stories")
    card = page.locator("li.story-card", has=page.locator(f'a[href="/stories/{site["story"]}"]'))
    assert card.count() == 1
    assert card.locator("ul.outlets li").count() >= 2
    meter = card.locator("svg.meter-bar")
    assert meter.count() == 1
    assert "confirmed by 2+ independent outlets" in meter.get_attribute("aria-label")
    assert card.locator("rect.m-confirmed").count() == 1
    shot(page, "stories.png")


def test_story_page_shows_facts_conflicts_and_citations_and_a_citation_can_be_followed(page, site: dict) -> None:  # type: ignore[no-untyped-def]
    page.goto(site["base"] + "/")
    page.click(f'a[href="/stories/{site["story"]}"]')
    page.wait_for_url(f"**/stories/{site['story']}")
    facts = page.locator("table.facts tbody tr")
    assert facts.count() >= 1
    first = facts.first
    assert first.locator("ul.versions li").count() >= 2  # each outlet's wording
    assert int(first.locator("td.num strong").inner_text()) >= 2
    if site["example"]:
        conflicts = page.locator("article.conflict")
        assert conflicts.count() >= 1
        sides = conflicts.first.locator("blockquote.side")
        assert sides.count() == 2
        marked = [sides.nth(i).locator("p mark").inner_text() for i in range(2)]
        assert marked[0] and marked[1] and marked[0] != marked[1]
        assert page.locator("li.wire").count() >= 1  # the wire reprint shown as one source
    assert page.locator("ol.timeline li").count() == len(site["articles"])
    shot(page, "story.png")

    cite = page.locator("a.cite").first
    evidence = page.locator("#" + cite.get_attribute("data-cite"))
    assert not evidence.is_visible()
    cite.hover()
    assert evidence.is_visible()  # hover shows the source sentences
    page.mouse.move(0, 0)
    cite.click()
    assert evidence.is_visible() and cite.get_attribute("aria-expanded") == "true"
    quoted = evidence.locator(".ev-item q").first.inner_text()
    assert quoted
    shot(page, "story-citation.png")
    page.keyboard.press("Escape")
    assert not evidence.is_visible()
    cite.click()
    evidence.locator("a.ev-link").first.click()
    page.wait_for_url("**/articles/**")
    mark = page.locator(".article-text p mark")
    assert mark.count() == 1
    assert mark.inner_text().strip().rstrip(".") in quoted or quoted.strip().rstrip(".") in mark.inner_text()
    shot(page, "article.png")


#: The citations a click's open evidence box leaves hidden (under it) among those on screen.
HIDDEN_CITES = """() => [...document.querySelectorAll('a.cite')].filter(a => {
    const r = a.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    if (!r.width || x < 0 || y < 0 || x > innerWidth || y > innerHeight) return false;
    const hit = document.elementFromPoint(x, y);
    return hit !== a && !a.contains(hit);
}).length"""


@pytest.mark.parametrize("width", [1280, 1024])
def test_citation_evidence_stays_inside_the_window_and_an_open_one_hides_no_other_citation(browser, site: dict, width: int) -> None:  # type: ignore[no-untyped-def]
    with story_page(browser, site, width=width, height=800) as pg:
        cites = pg.locator("a.cite")
        assert cites.count() >= 2
        for i in range(cites.count()):
            pg.keyboard.press("Escape")
            cite = cites.nth(i)
            cite.scroll_into_view_if_needed()
            cite.hover()
            box = pg.locator("#" + cite.get_attribute("data-cite")).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (i, box)
            assert pg.evaluate("document.documentElement.scrollWidth") <= width, i  # no sideways scrolling
            cite.click()
            assert cite.get_attribute("aria-expanded") == "true"
            opened = pg.locator(".evidence.open").bounding_box()
            assert opened is not None and opened["x"] >= 0 and opened["x"] + opened["width"] <= width, (i, opened)
            assert pg.evaluate(HIDDEN_CITES) == 0, i
            cite.click()  # closed again


def test_citation_evidence_near_the_bottom_of_the_window_opens_above_its_citation(browser, site: dict) -> None:  # type: ignore[no-untyped-def]
    height = 440
    with story_page(browser, site, width=1280, height=height) as pg:
        cites = pg.locator("a.cite")
        low = 0
        for i in range(cites.count()):
            pg.keyboard.press("Escape")
            cite = cites.nth(i)
            cite.scroll_into_view_if_needed()
            at = cite.bounding_box()
            if at is None or at["y"] < height * 0.6:
                continue  # only citations in the lower part of the window are tested
            low += 1
            cite.hover()
            box = pg.locator("#" + cite.get_attribute("data-cite")).bounding_box()
            assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height, (i, at, box)
        assert low, "no citation sat low in the window"


def test_an_opened_citation_leaves_the_other_citations_of_its_sentence_on_their_line(browser, site: dict) -> None:  # type: ignore[no-untyped-def]
    with story_page(browser, site, width=1280, height=800) as pg:
        groups = pg.locator("ol.summary-list > li")
        checked = 0
        for i in range(groups.count()):
            cites = groups.nth(i).locator("a.cite")
            if cites.count() < 2:
                continue
            pg.mouse.move(0, 0)
            pg.keyboard.press("Escape")  # no box left open or shown by the last hover
            before = [cites.nth(k).bounding_box()["y"] for k in range(cites.count())]  # type: ignore[index]
            cites.nth(0).click()
            after = [cites.nth(k).bounding_box()["y"] for k in range(cites.count())]  # type: ignore[index]
            assert after == before, (i, before, after)
            assert pg.locator(".evidence.open").count() == 1
            cites.nth(0).click()  # closed again: hover shows it beside its citation once more
            cites.nth(0).hover()
            assert pg.locator("#" + cites.nth(0).get_attribute("data-cite")).is_visible()
            checked += 1
        assert checked


def test_article_page_greys_the_removed_boilerplate_with_its_reason(page, site: dict) -> None:  # type: ignore[no-untyped-def]
    seen = 0
    for article_id in site["articles"]:
        page.goto(f"{site['base']}/articles/{article_id}")
        removed = page.locator("p.removed")
        for i in range(removed.count()):
            assert removed.nth(i).locator(".reason").inner_text().lower().startswith("removed: ")
            seen += 1
        if removed.count():
            color = page.eval_on_selector("p.removed", "el => getComputedStyle(el).color")
            body = page.eval_on_selector(".article-text p:not(.removed)", "el => getComputedStyle(el).color")
            assert color != body
            shot(page, "article-removed.png")
    if site["example"]:
        assert seen >= 1


def test_an_article_containing_a_script_renders_as_text(page, site: dict) -> None:  # type: ignore[no-untyped-def]
    for path in (f"/articles/{site['hostile_article']}", f"/stories/{site['hostile_story']}", "/search?q=berths", "/"):
        page.goto(site["base"] + path)
        page.wait_for_load_state("load")
        assert page.locator("script").count() == 1, path  # only the site's own app.js
        assert page.locator("img").count() == 0, path
        assert page.evaluate("typeof window.alert") == "function"
    page.goto(f"{site['base']}/articles/{site['hostile_article']}")
    text = page.locator(".article-text").inner_text()
    assert '<script>alert("xss")</script>' in text
    assert '<img src=x onerror="alert(1)">' in text
    assert '<script>alert("title")</script>' in page.locator("h1").inner_text()
    assert page.dialogs == []  # type: ignore[attr-defined]
    shot(page, "article-script-as-text.png")


def test_compare_page_reports_two_pasted_articles(page, site: dict) -> None:  # type: ignore[no-untyped-def]
    page.goto(site["base"] + "/compare")
    outlets = page.locator('input[name="outlet"]')
    texts = page.locator('textarea[name="text"]')
    assert texts.count() == 2
    for i, record in enumerate(FALLBACK):
        outlets.nth(i).fill(record["source"])
        texts.nth(i).fill(record["title"] + "\n\n" + record["text"])
    page.click("#add-text")
    assert page.locator('textarea[name="text"]').count() == 3  # an empty third one is ignored
    page.click("#compare-submit")
    page.wait_for_selector("#h-result", timeout=120_000)
    sources = page.locator("ol.sources li").all_inner_texts()
    assert any("North Herald" in s for s in sources) and any("South Gazette" in s for s in sources)
    assert page.locator("table.facts tbody tr").count() >= 1
    assert page.locator("article.conflict").count() >= 1
    assert page.locator("a.cite").count() >= 1
    assert "not stored" in page.locator(".compare-result .meta").inner_text()
    shot(page, "compare.png")


def test_keyboard_reaches_the_content_and_the_citations(page, site: dict) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{site['base']}/stories/{site['story']}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    cite = page.locator("a.cite").first
    cite.focus()
    assert page.locator("#" + cite.get_attribute("data-cite")).is_visible()  # focus shows the evidence
    page.keyboard.press("Enter")
    assert cite.get_attribute("aria-expanded") == "true"


def test_story_page_fits_a_phone_screen(browser, site: dict) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True)
    pg = context.new_page()
    try:
        for path in (f"/stories/{site['story']}", "/", "/compare"):
            pg.goto(site["base"] + path)
            overflow = pg.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 1, (path, overflow)
        pg.goto(f"{site['base']}/stories/{site['story']}")
        shot(pg, "story-phone.png")
    finally:
        context.close()
