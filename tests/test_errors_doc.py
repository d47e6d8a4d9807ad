"""docs/errors.md lists every error code the library raises, and no other."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "errors.md"

#: A code at a raise site (`code="E123"`) or a class default (`code = "E100"`).
RAISED = re.compile(r'\bcode\s*=\s*"(E\d{3})"')
#: A code's own heading on the page (`### E123`).
LISTED = re.compile(r"^#+ (E\d{3})$", re.M)


def codes_in_source() -> set[str]:
    sources = (ROOT / "src" / "triangulate").rglob("*.py")
    return {code for path in sources for code in RAISED.findall(path.read_text(encoding="utf-8"))}


def codes_on_page() -> set[str]:
    return set(LISTED.findall(PAGE.read_text(encoding="utf-8")))


def test_the_scan_finds_raise_sites_and_class_defaults() -> None:
    assert {"E000", "E100", "E123", "E401", "E701"} <= codes_in_source()


def test_every_code_the_source_raises_is_on_the_page() -> None:
    missing = codes_in_source() - codes_on_page()
    assert not missing, f"docs/errors.md has no entry (### Exxx) for {sorted(missing)}"


def test_the_page_lists_no_code_the_source_no_longer_has() -> None:
    stale = codes_on_page() - codes_in_source()
    assert not stale, f"docs/errors.md lists {sorted(stale)}, which nothing in src/triangulate raises any more"
