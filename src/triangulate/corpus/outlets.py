"""The outlet registry: who publishes what (name, domain, country, kind).

``kind`` is ``wire`` (an agency whose copy others reprint: AP, Reuters, AFP) or
``original``. The registry is an editable file, TOML or JSON::

    [[outlet]]
    name = "Associated Press"
    domain = "apnews.com"
    country = "US"
    kind = "wire"

or ``{"outlets": [{"name": ..., "domain": ..., "country": ..., "kind": ...}]}``
(a bare JSON list works too). Loading a registry into a corpus makes articles
from ``apnews.com`` carry the outlet name "Associated Press".

A file without the list (empty, ``{}``, ``[]``, other keys only) is refused: loaded
with ``--replace`` it would remove every outlet. A registry of no outlets says so by
name: ``outlet = []`` (TOML) or ``{"outlets": []}``, as an empty registry is exported.

A domain is stored as a bare host name: lower-case, without ``www.`` (hosts are
matched without it), so ``https://www.APNews.com/hub/world`` becomes
``apnews.com``. A value with no host name in it is refused.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from triangulate.errors import ConfigError

KINDS = ("wire", "original")
#: Dot-separated labels of letters, digits, ``-`` and ``_`` (any script).
_DOMAIN = re.compile(r"^[\w-]+(\.[\w-]+)*$")


def outlet_domain(value: str) -> str:
    """The host name a registry domain stands for: lower-case, no ``www.``, no scheme, port or path.

    >>> outlet_domain("https://www.Z.example:8443/news?x=1")
    'z.example'

    Raises:
        ConfigError: when ``value`` holds no host name (``E226``).
    """
    host = _host(value)
    if not _DOMAIN.match(host):
        raise ConfigError(f"{value!r} is not a web domain; expected a host name such as apnews.com", code="E226")
    return host


def _host(value: str) -> str:
    text = value.strip().lower()
    try:
        host = urlsplit(text if "://" in text else f"//{text}").hostname or ""
    except ValueError:
        host = ""
    return host.strip(".").removeprefix("www.")


def unicode_host(host: str) -> str:
    """``host`` lower-case with its ASCII-encoded labels (``xn--...``, IDNA) decoded, so that
    ``xn--e1afmkfd.xn--p1ai`` and ``пример.рф`` are one host; a label that does not decode
    is kept as it is."""
    labels = []
    for label in host.lower().split("."):
        if label.startswith("xn--"):
            try:
                decoded = label[4:].encode("ascii").decode("punycode").lower()
            except (UnicodeError, ValueError):
                decoded = ""
            if not decoded.isascii():
                label = decoded
        labels.append(label)
    return ".".join(labels)


@dataclass(frozen=True, slots=True)
class Outlet:
    """One registry entry."""

    name: str
    domain: str | None = None
    country: str | None = None
    kind: str = "original"

    def __post_init__(self) -> None:
        # Reduced to its host, never refused here: a row stored by an older release must
        # still load. New entries are checked by outlet_domain (files, `sources --set`).
        if self.domain is not None:
            object.__setattr__(self, "domain", (_host(self.domain) or self.domain.strip().lower()) or None)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "domain": self.domain, "country": self.country, "kind": self.kind}


def _outlet(entry: Any, where: str) -> Outlet:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: an outlet must be a table/object with a name, got {type(entry).__name__}", code="E220")
    name = str(entry.get("name") or "").strip()
    if not name:
        raise ConfigError(f"{where}: an outlet without a name", code="E220")
    kind = str(entry.get("kind") or "original").strip().lower()
    if kind not in KINDS:
        raise ConfigError(f"{where}: outlet {name!r} has kind {kind!r}; expected one of {', '.join(KINDS)}", code="E221")
    domain = entry.get("domain")
    country = entry.get("country")
    try:
        host = outlet_domain(str(domain)) if domain and str(domain).strip() else None
    except ConfigError as exc:
        raise ConfigError(f"{where}: outlet {name!r}: {exc.detail}", code=exc.code) from exc
    return Outlet(name=name, domain=host, country=str(country).strip() or None if country else None, kind=kind)


def parse_registry(text: str, *, fmt: str) -> list[Outlet]:
    """Parse registry text in ``fmt`` (``toml`` or ``json``).

    Raises:
        ConfigError: on a syntax error or an invalid entry.
    """
    try:
        data: Any = tomllib.loads(text) if fmt == "toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"the outlet registry is not valid {fmt.upper()}: {exc}", code="E222") from exc
    if isinstance(data, dict):
        key = next((k for k in ("outlet", "outlets") if k in data), None)
        entries = data[key] if key is not None else None
    else:
        entries = data
        if entries == []:  # an empty registry says so by name (`outlet = []`), as --export writes it
            entries = None
    if entries is None:
        raise ConfigError(
            "the outlet registry holds no list of outlets ([[outlet]] tables or an \"outlets\" list); "
            "a registry of no outlets is written `outlet = []`",
            code="E222",
        )
    if not isinstance(entries, list):
        raise ConfigError("the outlet registry must hold a list of outlets ([[outlet]] tables or an \"outlets\" list)", code="E222")
    outlets = [_outlet(e, f"outlet #{i + 1}") for i, e in enumerate(entries)]
    names = [o.name for o in outlets]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"the outlet registry names {', '.join(dupes)} more than once", code="E223")
    return outlets


def load_registry(path: str | os.PathLike[str]) -> list[Outlet]:
    """Read a registry file (``.toml`` or ``.json``)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the outlet registry {p}: {exc.strerror or exc}", code="E224") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"the outlet registry {p} is not UTF-8 text (byte {exc.start}): save it as UTF-8", code="E222"
        ) from exc
    return parse_registry(text, fmt="json" if p.suffix.lower() == ".json" else "toml")


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def dump_registry(outlets: Iterable[Outlet], *, fmt: str = "toml") -> str:
    """Registry text in ``toml`` or ``json``."""
    items = sorted(outlets, key=lambda o: o.name.lower())
    if fmt == "json":
        return json.dumps({"outlets": [o.to_dict() for o in items]}, indent=2, ensure_ascii=False) + "\n"
    lines: list[str] = ["# triangulate outlet registry: name, domain, country, kind (wire | original)", ""]
    if not items:
        lines += ["outlet = []  # no outlets (a file without the list is refused)", ""]
    for o in items:
        lines.append("[[outlet]]")
        lines.append(f"name = {_toml_str(o.name)}")
        if o.domain:
            lines.append(f"domain = {_toml_str(o.domain)}")
        if o.country:
            lines.append(f"country = {_toml_str(o.country)}")
        lines.append(f"kind = {_toml_str(o.kind)}")
        lines.append("")
    return "\n".join(lines)


def save_registry(path: str | os.PathLike[str], outlets: Sequence[Outlet]) -> None:
    """Write a registry file; the format follows the suffix (``.json`` or TOML)."""
    p = Path(path)
    p.write_text(dump_registry(outlets, fmt="json" if p.suffix.lower() == ".json" else "toml"), encoding="utf-8")


class OutletResolver:
    """Maps domains to registry names (longest matching parent domain wins)."""

    def __init__(self, outlets: Iterable[Outlet]) -> None:
        self._by_domain = {unicode_host(o.domain): o for o in outlets if o.domain}

    def __bool__(self) -> bool:
        return bool(self._by_domain)

    def for_host(self, host: str | None) -> Outlet | None:
        """The outlet of a host name or domain, if the registry knows it or a parent of it."""
        if not host:
            return None
        parts = unicode_host(host).strip(".").removeprefix("www.").split(".")
        for i in range(len(parts) - 1):
            found = self._by_domain.get(".".join(parts[i:]))
            if found:
                return found
        return None
