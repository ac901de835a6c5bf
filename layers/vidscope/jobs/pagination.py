"""Opaque, signed list cursors bound to the tenant and the filters they were issued for."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json

from vidscope.errors import InvalidCursor


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    """HMAC-SHA256-signed cursors; a cursor from another tenant or other filters is refused."""

    def __init__(self, secret: str) -> None:
        self._key = secret.encode()

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()

    def encode(self, *, tenant_id: str, filters: str, last_job_id: str) -> str:
        payload = json.dumps({"t": tenant_id, "f": filters, "j": last_job_id}, separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def decode(self, cursor: str, *, tenant_id: str, filters: str) -> str:
        """The last job id of the previous page, if the cursor is genuine and fits this request."""
        try:
            payload_part, signature_part = cursor.split(".", 1)
            payload = _unb64(payload_part)
            signature = _unb64(signature_part)
        except (ValueError, binascii.Error) as exc:
            raise InvalidCursor("cursor is malformed") from exc
        if not hmac.compare_digest(signature, self._sign(payload)):
            raise InvalidCursor("cursor is not valid")
        fields = json.loads(payload)
        if fields.get("t") != tenant_id:
            raise InvalidCursor("cursor is not valid")
        if fields.get("f") != filters:
            raise InvalidCursor("cursor was issued for different filters; start again without it")
        return str(fields["j"])
