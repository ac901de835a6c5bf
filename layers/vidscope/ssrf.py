"""SSRF guard for every URL the service will fetch or call (DESIGN §7).

Checked at job creation and again at fetch time, for every redirect hop, because DNS answers
can change between the two.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from urllib.parse import urlsplit

from vidscope.errors import InvalidUrl

Resolver = Callable[[str, int], list[str]]


class UnresolvableHost(InvalidUrl):
    """The host has no address now: a bad URL at creation, a network fault at delivery."""


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _is_forbidden(address: ipaddress.IPv4Address | ipaddress.IPv6Address, allow_loopback: bool) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return not allow_loopback
    # is_global is False for private, link-local (incl. 169.254.169.254), shared, reserved and
    # unspecified ranges; multicast is global in some ranges, so it is excluded explicitly.
    return not address.is_global or address.is_multicast


def resolves_to_loopback(url: str, resolve: Resolver = system_resolver) -> bool:
    parts = urlsplit(url)
    try:
        addresses = _addresses(parts.hostname or "", parts.port or 443, resolve)
    except InvalidUrl:
        return False
    return bool(addresses) and all(a.is_loopback for a in addresses)


def _addresses(host: str, port: int, resolve: Resolver) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        return [ipaddress.ip_address(a.split("%", 1)[0]) for a in resolve(host, port)]
    except (OSError, UnicodeError, ValueError) as exc:
        raise UnresolvableHost(f"host {host!r} could not be resolved") from exc


def check_fetchable_url(url: str, *, field: str, allow_loopback: bool, resolve: Resolver = system_resolver) -> None:
    """Raise ``InvalidUrl`` unless ``url`` is http(s), credential-free and resolves only to
    public addresses (loopback too when ``allow_loopback`` — local and test settings only)."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise InvalidUrl(f"{field} is not a valid URL") from exc
    if parts.scheme not in ("http", "https"):
        raise InvalidUrl(f"{field} must use http or https")
    if parts.username is not None or parts.password is not None:
        raise InvalidUrl(f"{field} must not contain credentials")
    host = parts.hostname
    if not host:
        raise InvalidUrl(f"{field} has no host")
    addresses = _addresses(host, port, resolve)
    if not addresses:
        raise UnresolvableHost(f"host {host!r} could not be resolved")
    if any(_is_forbidden(a, allow_loopback) for a in addresses):
        raise InvalidUrl(f"{field} points to a private or reserved address, which is not allowed")


def check_webhook_url(url: str, *, allow_loopback: bool, resolve: Resolver = system_resolver) -> None:
    """Webhook URLs are https only; plain http is accepted for a loopback receiver when the
    local/test setting allows loopback, so a developer's receiver on 127.0.0.1 works."""
    check_fetchable_url(url, field="webhook_url", allow_loopback=allow_loopback, resolve=resolve)
    if urlsplit(url).scheme != "https" and not (allow_loopback and resolves_to_loopback(url, resolve)):
        raise InvalidUrl("webhook_url must use https")


class UrlGuard:
    """The SSRF policy of one deployment: whether loopback is allowed, and how names resolve."""

    def __init__(self, *, allow_loopback: bool, resolve: Resolver = system_resolver) -> None:
        self.allow_loopback = allow_loopback
        self._resolve = resolve

    def check_media_url(self, url: str) -> None:
        check_fetchable_url(url, field="url", allow_loopback=self.allow_loopback, resolve=self._resolve)

    def check_webhook_url(self, url: str) -> None:
        check_webhook_url(url, allow_loopback=self.allow_loopback, resolve=self._resolve)

    def connections(self) -> AbstractContextManager[Callable[[], str | None]]:
        """Guard every connection this thread makes inside the block (see guarded_connections)."""
        return guarded_connections(allow_loopback=self.allow_loopback)


class BlockedAddress(ConnectionRefusedError):
    """A connection the guard refused: a download (or one of its redirects) aimed at a private,
    reserved or (outside local settings) loopback address."""


_guard_state = threading.local()
_hook_lock = threading.Lock()
_hook_installed = False


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event != "socket.connect":
        return
    allow_loopback = getattr(_guard_state, "allow_loopback", None)
    if allow_loopback is None:  # this thread is not inside guarded_connections()
        return
    address = args[1]
    if not isinstance(address, tuple) or not address:
        return  # unix sockets and the like: not a network fetch
    try:
        ip = ipaddress.ip_address(str(address[0]).split("%", 1)[0])
    except ValueError:
        return
    if _is_forbidden(ip, allow_loopback):
        _guard_state.blocked = str(ip)
        raise BlockedAddress(f"connection to {ip} refused: private or reserved address")


@contextmanager
def guarded_connections(*, allow_loopback: bool) -> Iterator[Callable[[], str | None]]:
    """Check every socket this thread connects while inside the block: the address actually
    dialled, after DNS and after each redirect, so neither a redirect nor a DNS answer that
    changed since creation reaches an internal address. Yields a function that tells which
    address was refused, if any.

    A CPython audit hook sees the connect itself, whatever HTTP stack a library uses (yt-dlp
    has several); it is why this is not a yt-dlp request handler. Hooks cannot be removed, so
    one is installed per process and does nothing outside this block."""
    global _hook_installed
    with _hook_lock:
        if not _hook_installed:
            sys.addaudithook(_audit)
            _hook_installed = True
    _guard_state.allow_loopback = allow_loopback
    _guard_state.blocked = None
    try:
        yield lambda: getattr(_guard_state, "blocked", None)
    finally:
        _guard_state.allow_loopback = None
