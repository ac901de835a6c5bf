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
OnConnect = Callable[[socket.socket], None]


class UnresolvableHost(InvalidUrl):
    """The host has no address now: a bad URL at creation, a network fault at delivery."""


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# The only IPv6 space with ordinary internet hosts in it (RFC 4291 global unicast): anything
# outside it (site-local fec0::/10, unique-local, the IPv4-compatible and -translated forms…)
# is refused whatever the running Python's ``is_global`` thinks of it.
_GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")
# Inside 2000::/3 yet not hosts on the internet; Python 3.11's is_global misses these.
_NOT_GLOBAL_V6 = tuple(ipaddress.ip_network(n) for n in ("3fff::/20", "5f00::/16", "2001:db8::/32", "2001::/23"))
_NOT_GLOBAL_V4 = tuple(ipaddress.ip_network(n) for n in ("192.0.0.0/24", "198.18.0.0/15", "100.64.0.0/10"))
# The packet really goes to the IPv4 address in the last 32 bits (RFC 6052 /96 layout), so that
# address is what is judged; the IPv6 wrapper says nothing about where it lands.
_NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")
# Forms that only ever carry an IPv4 address: local-use NAT64 (RFC 8215, its layout is the
# operator's choice), IPv4-compatible (deprecated) and IPv4-translated (SIIT). A media host
# never needs them, so they are refused outright rather than decoded.
_WRAPPED_V4_ONLY = tuple(ipaddress.ip_network(n) for n in ("64:ff9b:1::/48", "::/96", "::ffff:0:0:0/96"))


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64, compatible, translated)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64_WELL_KNOWN or any(address in net for net in _WRAPPED_V4_ONLY):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _is_public_v4(address: ipaddress.IPv4Address) -> bool:
    return address.is_global and not address.is_multicast and not any(address in n for n in _NOT_GLOBAL_V4)


def is_public_address(address: IPAddress) -> bool:
    """True only for a global unicast address, judged by the IPv4 address inside it where the
    IPv6 form is a translation (NAT64, 6to4, mapped) — so 64:ff9b::a9fe:a9fe is the metadata
    service, not a public host."""
    if isinstance(address, ipaddress.IPv4Address):
        return _is_public_v4(address)
    embedded = embedded_ipv4(address)
    if embedded is not None:
        if any(address in net for net in _WRAPPED_V4_ONLY):
            return False
        return _is_public_v4(embedded)
    return (
        address in _GLOBAL_UNICAST
        and address.is_global
        and not address.is_multicast
        and not any(address in net for net in _NOT_GLOBAL_V6)
    )


def _is_forbidden(address: IPAddress, allow_loopback: bool) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return not allow_loopback
    return not is_public_address(address)


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

    def connections(self, on_connect: OnConnect | None = None) -> AbstractContextManager[Callable[[], str | None]]:
        """Guard every connection this thread makes inside the block (see guarded_connections)."""
        return guarded_connections(allow_loopback=self.allow_loopback, on_connect=on_connect)


class BlockedAddress(ConnectionRefusedError):
    """A connection the guard refused: a download (or one of its redirects) aimed at a private,
    reserved or (outside local settings) loopback address, or at anything not an IP address."""


class BlockedSubprocess(PermissionError):
    """A process start the guard refused: a child process (yt-dlp's ffmpeg, an external
    downloader) would open sockets this process's hook never sees."""


_guard_state = threading.local()
_hook_lock = threading.Lock()
_hook_installed = False
# Every way CPython starts another program: inside the block none is allowed.
_PROCESS_EVENTS = frozenset(
    {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "pty.spawn"}
)


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event not in ("socket.connect", "socket.sendto") and event not in _PROCESS_EVENTS:
        return
    allow_loopback = getattr(_guard_state, "allow_loopback", None)
    if allow_loopback is None:  # this thread is not inside guarded_connections()
        return
    if event in _PROCESS_EVENTS:
        _guard_state.blocked = "a subprocess"
        raise BlockedSubprocess(f"{event} refused: no process may be started while fetching untrusted URLs")
    sock, address = args[0], args[1]
    if isinstance(sock, socket.socket) and sock.family == socket.AF_UNIX:
        return  # a local IPC socket, not a network fetch
    try:
        # A host name would be resolved inside connect(), after this check: only literals pass.
        ip = ipaddress.ip_address(str(address[0]).split("%", 1)[0])  # type: ignore[index]
    except (ValueError, TypeError, IndexError, KeyError):
        _guard_state.blocked = repr(address)
        raise BlockedAddress(f"connection to {address!r} refused: not an IP address") from None
    if _is_forbidden(ip, allow_loopback):
        _guard_state.blocked = str(ip)
        raise BlockedAddress(f"connection to {ip} refused: private or reserved address")
    on_connect: OnConnect | None = getattr(_guard_state, "on_connect", None)
    if on_connect is not None and isinstance(sock, socket.socket):
        on_connect(sock)


@contextmanager
def guarded_connections(
    *, allow_loopback: bool, on_connect: OnConnect | None = None
) -> Iterator[Callable[[], str | None]]:
    """Check every socket this thread connects while inside the block: the address actually
    dialled, after DNS and after each redirect, so neither a redirect nor a DNS answer that
    changed since creation reaches an internal address. No process may be started inside the
    block (its sockets would be out of sight). ``on_connect`` sees each socket allowed, so a
    caller can cut it off later. Yields a function that tells what was refused, if anything.

    A CPython audit hook sees the connect itself, whatever HTTP stack a library uses (yt-dlp
    has several); it is why this is not a yt-dlp request handler. Hooks cannot be removed, so
    one is installed per process and does nothing outside this block."""
    global _hook_installed
    with _hook_lock:
        if not _hook_installed:
            sys.addaudithook(_audit)
            _hook_installed = True
    _guard_state.allow_loopback = allow_loopback
    _guard_state.on_connect = on_connect
    _guard_state.blocked = None
    try:
        yield lambda: getattr(_guard_state, "blocked", None)
    finally:
        _guard_state.allow_loopback = None
        _guard_state.on_connect = None
