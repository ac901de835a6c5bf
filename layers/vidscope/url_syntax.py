"""The shape a submitted URL must have: http(s), a well-formed host, no credentials, no
whitespace or unsafe characters. Syntax only: whether the address may be fetched is ``ssrf``'s
call, made when the job is created and again at every fetch."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from pydantic_core import PydanticCustomError

from vidscope.safe_text import UNSAFE_TEXT

# A DNS name as resolvers take it (LDH, plus the underscore real hosts carry), after IDNA.
_DNS_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")
# WHATWG URL: a host whose last label is a number is an IPv4 address, or nothing.
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")


def host_is_well_formed(host: str) -> bool:
    """A canonical IP literal or a DNS name."""
    import idna  # only job creation checks URLs; the other API functions' cold start skips it

    if ":" in host:  # only an IPv6 literal holds a colon; a zone id ("%eth0") is refused with it
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return False
        return "%" not in host
    try:
        # IDNA 2008 with UTS 46 mapping, as registries apply it (the stdlib codec is IDNA 2003,
        # which lets symbols and emoji through); ASCII names skip it, since it refuses "_".
        name = host.lower() if host.isascii() else idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        return False
    labels = name.removesuffix(".").split(".")
    if len(name) > 253 or not all(_DNS_LABEL.fullmatch(label) for label in labels):
        return False
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        try:
            ipaddress.IPv4Address(name.removesuffix("."))  # refuses 127.1, 0177.0.0.1, 2130706433
        except ValueError:
            return False
    return True


def check_url_syntax(value: str, *, field: str) -> str:
    """``value`` unchanged, or an ``invalid_url`` error (the API's INVALID_URL) naming ``field``."""
    # urlsplit silently drops TAB/CR/LF (as browsers do), so they are refused on the raw text.
    if UNSAFE_TEXT.search(value) or any(char.isspace() for char in value):
        raise PydanticCustomError(
            "invalid_url",
            "{field} must not contain whitespace, control or bidirectional-formatting characters",
            {"field": field},
        )
    try:
        parts = urlsplit(value)
        port = parts.port  # raises ValueError on a malformed port
    except ValueError as exc:
        raise PydanticCustomError("invalid_url", "{field} is not a valid URL", {"field": field}) from exc
    if parts.scheme not in ("http", "https"):
        raise PydanticCustomError("invalid_url", "{field} must use http or https", {"field": field})
    if parts.username is not None or parts.password is not None:
        raise PydanticCustomError("invalid_url", "{field} must not contain credentials", {"field": field})
    if not parts.hostname:
        raise PydanticCustomError("invalid_url", "{field} has no host", {"field": field})
    if not host_is_well_formed(parts.hostname):
        raise PydanticCustomError("invalid_url", "{field} has a malformed host", {"field": field})
    if port == 0:
        raise PydanticCustomError("invalid_url", "{field} has an invalid port", {"field": field})
    return value
