"""SSRF guard for every URL the service will fetch or call (DESIGN §7).

Checked at job creation and again at fetch time, for every redirect hop, because DNS answers
can change between the two.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

from vidscope.errors import InvalidUrl

Resolver = Callable[[str, int], list[str]]


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
        raise InvalidUrl(f"host {host!r} could not be resolved") from exc


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
        raise InvalidUrl(f"host {host!r} could not be resolved")
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
