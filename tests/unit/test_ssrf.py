"""The SSRF guard on media and webhook URLs."""

from __future__ import annotations

import ipaddress
import socket
import subprocess
import threading
from collections.abc import Iterator

import pytest

from vidscope.errors import InvalidUrl
from vidscope.ssrf import (
    BlockedAddress,
    BlockedSubprocess,
    UrlGuard,
    check_fetchable_url,
    embedded_ipv4,
    guarded_connections,
)


def resolver(mapping: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def resolve(host: str, port: int) -> list[str]:
        if host not in mapping:
            raise OSError("NXDOMAIN")
        return mapping[host]

    return resolve


PUBLIC = resolver(
    {
        "cdn.example.com": ["93.184.215.14", "2606:2800:21f:cb07::1"],
        "rebind.example.com": ["93.184.215.14", "127.0.0.1"],
    }
)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/a.mp4",
        "http://localhost.localdomain.invalid/a.mp4",
        "http://10.1.2.3/a.mp4",
        "http://172.16.0.1/a.mp4",
        "http://192.168.0.1/a.mp4",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/a.mp4",
        "http://224.0.0.1/a.mp4",
        "http://0.0.0.0/a.mp4",
        "http://240.0.0.1/a.mp4",
        "http://[::1]/a.mp4",
        "http://[fe80::1]/a.mp4",
        "http://[fc00::1]/a.mp4",
        "http://[::ffff:127.0.0.1]/a.mp4",
        "http://rebind.example.com/a.mp4",
        "file:///etc/passwd",
        "gopher://cdn.example.com/",
        "https://user:secret@cdn.example.com/a.mp4",
        "https:///nohost",
    ],
)
def test_non_public_targets_are_refused(url: str) -> None:
    with pytest.raises(InvalidUrl):
        check_fetchable_url(url, field="url", allow_loopback=False, resolve=PUBLIC)


def test_public_hosts_pass() -> None:
    check_fetchable_url("https://cdn.example.com/a.mp4", field="url", allow_loopback=False, resolve=PUBLIC)
    check_fetchable_url("https://93.184.215.14:8443/a.mp4", field="url", allow_loopback=False, resolve=PUBLIC)


def test_loopback_passes_only_when_the_local_setting_allows_it() -> None:
    check_fetchable_url("http://127.0.0.1:8000/a.mp4", field="url", allow_loopback=True, resolve=PUBLIC)
    with pytest.raises(InvalidUrl):
        check_fetchable_url("http://10.0.0.1/a.mp4", field="url", allow_loopback=True, resolve=PUBLIC)


def test_webhooks_must_be_https_except_for_a_local_loopback_receiver() -> None:
    strict, local = UrlGuard(allow_loopback=False, resolve=PUBLIC), UrlGuard(allow_loopback=True, resolve=PUBLIC)
    strict.check_webhook_url("https://cdn.example.com/hook")
    with pytest.raises(InvalidUrl, match="https"):
        strict.check_webhook_url("http://cdn.example.com/hook")
    local.check_webhook_url("http://127.0.0.1:9000/hook")
    with pytest.raises(InvalidUrl, match="https"):
        local.check_webhook_url("http://cdn.example.com/hook")


def _connect(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=2):
        pass


@pytest.fixture
def listener() -> Iterator[int]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    yield server.getsockname()[1]
    server.close()


def test_connections_to_refused_addresses_are_stopped_at_connect_time(listener: int) -> None:
    with guarded_connections(allow_loopback=False) as refused:
        with pytest.raises(BlockedAddress, match=r"127\.0\.0\.1"):
            _connect(listener)
        assert refused() == "127.0.0.1"
    _connect(listener)  # outside the block nothing is checked


def test_the_local_setting_lets_loopback_through(listener: int) -> None:
    with guarded_connections(allow_loopback=True) as refused:
        _connect(listener)
        assert refused() is None


def test_the_guard_covers_only_its_own_thread(listener: int) -> None:
    errors: list[BaseException] = []

    def other_thread() -> None:
        try:
            _connect(listener)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    with guarded_connections(allow_loopback=False):
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
    assert errors == []


# --- the address policy: IPv4 carried inside IPv6, and what "global" means ----------------------

TRANSLATED = resolver(
    {
        "nat64-metadata.example.com": ["64:ff9b::a9fe:a9fe"],
        "nat64-public.example.com": ["64:ff9b::5db8:d70e"],
        "sixtofour-metadata.example.com": ["2002:a9fe:a9fe::1"],
        "sixtofour-public.example.com": ["2002:5db8:d70e::1"],
        "mapped-private.example.com": ["::ffff:10.0.0.7"],
    }
)


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::a9fe:a9fe",  # NAT64 well-known prefix around the metadata service
        "64:ff9b::a00:7",  # … around 10.0.0.7
        "64:ff9b::7f00:1",  # … around loopback: not loopback to us, so never allowed
        "64:ff9b:1::a9fe:a9fe",  # local-use NAT64 (RFC 8215)
        "64:ff9b:1::5db8:d70e",  # local-use NAT64 is refused whatever it carries
        "2002:a9fe:a9fe::1",  # 6to4 around the metadata service
        "2002:0a00:0007::1",  # 6to4 around 10.0.0.7
        "::a9fe:a9fe",  # IPv4-compatible
        "::5db8:d70e",  # IPv4-compatible is refused whatever it carries
        "::ffff:0:a9fe:a9fe",  # IPv4-translated (SIIT)
        "::ffff:a9fe:a9fe",  # IPv4-mapped
        "::ffff:10.0.0.7",
        "fec0::1",  # site-local (deprecated)
        "3fff::1",  # documentation (RFC 9637)
        "2001:db8::1",  # documentation
        "5f00::1",  # SRv6 SIDs
        "ff0e::1",  # global-scope multicast
        "100::1",  # discard-only
        "192.0.0.8",  # IETF protocol assignments
        "192.0.0.9",
        "198.18.0.1",  # benchmarking
    ],
)
def test_addresses_that_are_not_global_unicast_are_refused_at_creation(address: str) -> None:
    url = f"http://[{address}]/a.mp4" if ":" in address else f"http://{address}/a.mp4"
    with pytest.raises(InvalidUrl, match="private or reserved"):
        check_fetchable_url(url, field="url", allow_loopback=True, resolve=PUBLIC)


@pytest.mark.parametrize(
    "host", ["nat64-metadata.example.com", "sixtofour-metadata.example.com", "mapped-private.example.com"]
)
def test_names_resolving_to_wrapped_private_addresses_are_refused(host: str) -> None:
    with pytest.raises(InvalidUrl, match="private or reserved"):
        check_fetchable_url(f"https://{host}/a.mp4", field="url", allow_loopback=False, resolve=TRANSLATED)


@pytest.mark.parametrize("host", ["nat64-public.example.com", "sixtofour-public.example.com"])
def test_translations_of_a_public_ipv4_address_pass(host: str) -> None:
    check_fetchable_url(f"https://{host}/a.mp4", field="url", allow_loopback=False, resolve=TRANSLATED)


@pytest.mark.parametrize(
    ("address", "carried"),
    [
        ("64:ff9b::a9fe:a9fe", "169.254.169.254"),
        ("64:ff9b:1::a9fe:a9fe", "169.254.169.254"),
        ("2002:a9fe:a9fe::1", "169.254.169.254"),
        ("::a9fe:a9fe", "169.254.169.254"),
        ("::ffff:0:a9fe:a9fe", "169.254.169.254"),
        ("::ffff:a9fe:a9fe", "169.254.169.254"),
        ("2606:2800:21f:cb07::1", None),
    ],
)
def test_the_ipv4_address_inside_each_ipv6_form_is_found(address: str, carried: str | None) -> None:
    found = embedded_ipv4(ipaddress.IPv6Address(address))
    assert (str(found) if found else None) == carried


def test_connecting_by_host_name_inside_the_guard_is_refused(listener: int) -> None:
    # socket.connect() resolves a name itself, after any check could run: only literals pass.
    with socket.socket() as sock, guarded_connections(allow_loopback=True) as refused:
        sock.settimeout(2)
        with pytest.raises(BlockedAddress, match="not an IP address"):
            sock.connect(("localhost", listener))
        assert refused() == f"('localhost', {listener})"


def test_no_process_can_be_started_inside_the_guard() -> None:
    with guarded_connections(allow_loopback=True) as refused:
        with pytest.raises(BlockedSubprocess):
            subprocess.run(["true"], check=False)  # noqa: S607 - the point is that it never starts
        assert refused() == "a subprocess"
    subprocess.run(["true"], check=True)  # noqa: S607 - outside the block processes start as usual
