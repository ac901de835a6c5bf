"""The SSRF guard on media and webhook URLs."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from vidscope.errors import InvalidUrl
from vidscope.ssrf import BlockedAddress, UrlGuard, check_fetchable_url, guarded_connections


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
