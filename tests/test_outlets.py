"""The outlet registry: a domain is a bare host name however it was written, and matches the articles of that host."""

from __future__ import annotations

from pathlib import Path

import pytest

from triangulate.corpus import Corpus
from triangulate.corpus.outlets import Outlet, OutletResolver, dump_registry, load_registry, outlet_domain, parse_registry
from triangulate.errors import ConfigError
from triangulate.models import RawDocument

BLAST = (
    "Quarry blast shakes Ostbrook\n\n"
    "A blast at the Ostbrook quarry shook houses across the valley on Monday morning, the operator said in a statement.\n\n"
    "No one was hurt, the fire service said, but windows broke in a dozen houses on the road to the quarry.\n"
)


@pytest.mark.parametrize(
    "written",
    ["z.example", "Z.EXAMPLE", "www.z.example", "https://Z.example/path", "http://www.z.example:8080/a?b=c#d", " z.example/news "],
)
def test_a_domain_is_reduced_to_its_host_name(written: str) -> None:
    assert Outlet("Z News", written).domain == "z.example"


@pytest.mark.parametrize("written", ["http://", "z news", "https:///path", "   "])
def test_a_new_domain_without_a_host_name_is_refused(written: str) -> None:
    with pytest.raises(ConfigError, match=r"^\[E226\]"):
        outlet_domain(written)


def test_an_outlet_built_from_a_stored_row_is_never_refused() -> None:
    # A row an older release stored must still load (`sources`, every ingest).
    assert Outlet("Z News", "z news").domain == "z news"
    assert Outlet("Local", "localhost").domain == "localhost"
    assert Outlet("Z News", None).domain is None and Outlet("Z News", " ").domain is None


def test_a_registry_file_gets_the_same_reduction_and_names_a_bad_entry() -> None:
    toml = '[[outlet]]\nname = "Z News"\ndomain = "https://www.Z.example/news"\n'
    assert [o.domain for o in parse_registry(toml, fmt="toml")] == ["z.example"]
    bad = '{"outlets": [{"name": "Z News", "domain": "z.example"}, {"name": "Y Post", "domain": "https://"}]}'
    with pytest.raises(ConfigError, match=r"\[E226\] outlet #2: outlet 'Y Post'"):
        parse_registry(bad, fmt="json")


def test_a_domain_given_as_a_url_matches_the_articles_of_its_host() -> None:
    resolver = OutletResolver([Outlet("Z News", "https://Z.example/path")])
    found = resolver.for_host("www.z.example")
    assert found is not None and found.name == "Z News"


def test_an_outlet_set_with_a_url_names_the_articles_from_its_domain(corpus: Corpus) -> None:
    corpus.set_outlet(Outlet("Z News", "https://Z.example/path"))
    result = corpus.add(RawDocument(origin="https://z.example/2025/blast", content=BLAST, url="https://z.example/2025/blast"))
    assert result.outlet == "Z News"
    assert [o.domain for o in corpus.registry()] == ["z.example"]


def test_a_host_and_its_ascii_encoded_form_are_one_domain() -> None:
    # IDNA: xn--e1afmkfd.xn--p1ai is how a URL writes the host пример.рф.
    registered_unicode = OutletResolver([Outlet("Bureau", "пример.рф")])
    registered_ascii = OutletResolver([Outlet("Bureau", "xn--e1afmkfd.xn--p1ai")])
    for resolver in (registered_unicode, registered_ascii):
        for host in ("xn--e1afmkfd.xn--p1ai", "news.пример.рф", "www.XN--E1AFMKFD.xn--p1ai"):
            found = resolver.for_host(host)
            assert found is not None and found.name == "Bureau", (host, resolver)
    assert registered_unicode.for_host("xn--bad-.com") is None


def test_a_registry_file_that_is_not_utf8_is_a_coded_error(tmp_path: Path) -> None:
    path = tmp_path / "outlets.toml"
    path.write_bytes('[[outlet]]\nname = "Zeitung f\u00fcr \u00d6konomie"\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match=r"\[E222\] the outlet registry .* is not UTF-8 text"):
        load_registry(path)


@pytest.mark.parametrize("text, fmt", [("", "toml"), ("x = 1", "toml"), ("{}", "json"), ("[]", "json"), ('{"name": "Z News"}', "json")])
def test_a_registry_file_without_a_list_of_outlets_is_a_coded_error(text: str, fmt: str) -> None:
    with pytest.raises(ConfigError, match=r"^\[E222\] the outlet registry holds no list of outlets"):
        parse_registry(text, fmt=fmt)


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_a_registry_of_no_outlets_says_so_by_name_and_an_empty_export_loads_again(fmt: str) -> None:
    assert parse_registry("outlet = []" if fmt == "toml" else '{"outlets": []}', fmt=fmt) == []
    assert parse_registry(dump_registry([], fmt=fmt), fmt=fmt) == []
