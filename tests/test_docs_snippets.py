"""The Python snippets the README and docs/corpus.md show run as written."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def python_block(path: Path, after: str) -> str:
    """The first ```python block after the line ``after``."""
    text = path.read_text(encoding="utf-8")
    start = text.index(after)
    block = re.search(r"```python\n(.*?)```", text[start:], re.S)
    assert block, f"no python block after {after!r} in {path.name}"
    return block.group(1)


@pytest.mark.parametrize("page, heading", [("README.md", "### As a library"), ("docs/corpus.md", "## Library API")])
def test_the_snippet_runs_as_written(page: str, heading: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)  # the snippets name paths relative to the repository; news.db lands here
    exec(compile(python_block(ROOT / page, heading), page, "exec"), {"__name__": "snippet"})
    printed = capsys.readouterr().out
    assert printed.strip()
    if page == "docs/corpus.md":
        assert "new" in printed and os.path.exists(tmp_path / "news.db")
