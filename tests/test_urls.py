"""URL canonical forms and the fetch policy."""

from __future__ import annotations

import pytest

from claimwatch.crawlers.urls import (
    canonical_or_none,
    canonicalize,
    check_fetchable,
    default_domain,
    default_scope,
    in_domains,
    in_scope,
    is_private_host,
    url_problem,
)
from claimwatch.errors import PermanentFetchError


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("HTTP://Example.COM:80/a/b?utm_source=rss&utm_medium=feed", "http://example.com/a/b"),
        ("https://example.com:443/x#comments", "https://example.com/x"),
        ("https://example.com/x?b=2&a=1&fbclid=abc", "https://example.com/x?a=1&b=2"),
        ("https://example.com", "https://example.com/"),
        (
            "http://127.0.0.1:8765/p.html?utm_medium=feed&utm_source=rss",
            "http://127.0.0.1:8765/p.html",
        ),
        ("https://example.com/Path/Case", "https://example.com/Path/Case"),
    ],
)
def test_canonical_form_drops_tracking_fragments_and_default_ports(
    raw: str, canonical: str
) -> None:
    assert canonicalize(raw) == canonical


def test_tracking_parameters_in_any_order_give_one_url() -> None:
    a = canonicalize("https://news.example/a.html?utm_source=rss&utm_medium=feed")
    b = canonicalize("https://news.example/a.html?utm_medium=feed&utm_source=rss")
    assert a == b == "https://news.example/a.html"


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "10.1.2.3",
        "192.168.0.4",
        "169.254.1.1",
        "[::1]",
        "0.0.0.0",
        "api.localhost",
        "2130706433",
        "0x7f000001",
        "0177.0.0.1",
        "127.1",
        "0",
        "::ffff:127.0.0.1",
    ],
)
def test_private_and_loopback_hosts_are_recognised(host: str) -> None:
    assert is_private_host(host)


@pytest.mark.parametrize("host", ["example.com", "8.8.8.8", "vnexpress.net"])
def test_public_hosts_are_not_private(host: str) -> None:
    assert not is_private_host(host)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/feed", "javascript:alert(1)", "http:///nohost"]
)
def test_only_http_urls_are_fetchable(url: str) -> None:
    with pytest.raises(PermanentFetchError, match="refused"):
        check_fetchable(url, allow_private=True)


def test_private_hosts_need_an_explicit_allowance() -> None:
    with pytest.raises(PermanentFetchError, match="private or loopback"):
        check_fetchable("http://127.0.0.1:8000/feed.xml")
    assert check_fetchable("http://127.0.0.1:8000/feed.xml", allow_private=True)


def test_scope_is_the_start_page_directory() -> None:
    scope = default_scope("https://site.example/world/index.html?utm_source=x")
    assert scope == "https://site.example/world/"
    assert in_scope("https://site.example/world/story.html", (scope,))
    assert not in_scope("https://site.example/sport/story.html", (scope,))
    assert not in_scope("https://other.example/world/story.html", (scope,))


@pytest.mark.parametrize(
    "variant",
    [
        "https://m.example.com/world/story-1.html",
        "https://amp.example.com/world/story-1.html",
        "https://example.com/world/story-1.html/amp",
        "https://example.com/amp/world/story-1.html",
        "https://example.com/world/story-1.html?amp=1",
        "https://example.com/world/story-1.html?outputType=amp&utm_source=x",
    ],
)
def test_amp_and_mobile_variants_fold_into_the_page(variant: str) -> None:
    assert canonicalize(variant) == "https://example.com/world/story-1.html"


def test_short_hosts_and_bare_amp_paths_are_left_alone() -> None:
    assert canonicalize("https://m.me/amp") == "https://m.me/amp"


def test_a_source_stays_in_its_domains() -> None:
    assert default_domain("https://www.rfi.fr/fr/asie-pacifique/rss") == "rfi.fr"
    assert in_domains("https://amp.rfi.fr/x", ("rfi.fr",)) and not in_domains(
        "https://notrfi.fr/x", ("rfi.fr",)
    )


LOOPBACK_SPELLINGS = [
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0177.0.0.1/",
    "http://127.1/",
    "http://0/",
    "http://0x7f.1/",
    "http://127.0.0.1./",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::1]/",
    "http://LOCALHOST./",
    "http://ip6-loopback/",
    "http://[64:ff9b::7f00:1]/",
    "http://100.64.0.1/",
    "http://[fe80::1]/",
]


@pytest.mark.parametrize("url", LOOPBACK_SPELLINGS)
def test_every_spelling_of_a_private_address_is_refused(url: str) -> None:
    with pytest.raises(PermanentFetchError, match="private or loopback"):
        check_fetchable(url)


@pytest.mark.parametrize(
    ("host", "address"),
    [("2130706433", "127.0.0.1"), ("0x7f000001", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1")],
)
def test_the_refusal_names_the_address_a_numeric_host_spells(host: str, address: str) -> None:
    with pytest.raises(PermanentFetchError, match=rf"\({address}\)"):
        check_fetchable(f"http://{host}:8080/feed")


@pytest.mark.parametrize(
    "url",
    [
        "http://[zz/rss.xml",
        "http://[::1/",
        "http://example.com:99999/",
        "http://example.com:0/",
        "http://example.com:80a/",
        "http://1.2.3.256/",
        "http://08/",
        "http://example.123/",
        "http://exa mple.com/",
        "http://example.com/\x00",
        "https://example.com/" + "a" * 2048,
        "",
        "//example.com/",
    ],
)
def test_a_malformed_url_is_refused_never_a_crash(url: str) -> None:
    with pytest.raises(PermanentFetchError, match="refused"):
        check_fetchable(url, allow_private=True)
    assert url_problem(url) is not None


@pytest.mark.parametrize(
    "url",
    [
        "https://vnexpress.net/rss/tin-moi-nhat.rss",
        "http://8.8.8.8/feed",
        "https://[2001:4860:4860::8888]/feed",
        "https://www.rfi.fr:8443/fr/rss",
        "https://bücher.example/feed",
    ],
)
def test_public_urls_are_fetchable(url: str) -> None:
    assert url_problem(url) is None
    assert check_fetchable(url) == url


def test_private_spellings_are_allowed_when_private_hosts_are() -> None:
    assert check_fetchable("http://127.1:8765/feed.xml", allow_private=True)


def test_an_unparseable_url_is_its_own_canonical_form() -> None:
    assert canonicalize(" http://[zz/rss.xml ") == "http://[zz/rss.xml"
    assert canonical_or_none("http://[zz/rss.xml") is None
    assert default_domain("http://[zz/rss.xml") == ""
    assert not in_domains("http://[zz/rss.xml", ("zz",))
