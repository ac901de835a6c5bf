"""What S3 checks on a presigned request and moto does not: the local S3 answers as S3 would.

moto 5.2 serves a presigned URL without looking at its signature, so a link signed wrong (SigV2,
another key, a body of another length than the one signed) works locally and fails in the cloud,
or is accepted where the cloud would refuse it. The local AWS puts this check in front of moto
(``moto_patches.check_presigned_requests``): each request that carries query-string
authentication is verified by SigV4's rules, the signature recomputed with botocore's own signer
over the request as it arrived:

- SigV4 only: a SigV2 link (``AWSAccessKeyId``/``Signature``) is refused as S3 refuses it on
  buckets made since June 2020;
- a known access key, the session token it signs with, this region, ``s3``, ``aws4_request``;
- not expired (``X-Amz-Date`` + ``X-Amz-Expires``, at most 7 days);
- the signature over the method, path, query and every signed header as sent;
- Vidscope's own rule (DESIGN §7): a presigned PUT signs ``content-length``.

Requests signed in the ``Authorization`` header (the SDK's own calls) pass untouched, as before.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any, Final
from urllib.parse import parse_qsl, quote, unquote
from xml.sax.saxutils import escape

ALGORITHM: Final = "AWS4-HMAC-SHA256"
MAX_EXPIRES_SECONDS: Final = 7 * 24 * 60 * 60  # S3's limit for SigV4 query authentication
_TIMESTAMP = "%Y%m%dT%H%M%SZ"
_CLOCK_SKEW = timedelta(minutes=15)
# Query parameters that make a request presigned: SigV4's, and SigV2's (to refuse them).
_V4_PARAMS: Final = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature")
_V2_PARAMS: Final = ("AWSAccessKeyId", "Signature")
_REQUIRED: Final = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-Date",
    "X-Amz-SignedHeaders",
    "X-Amz-Expires",
)


@dataclass(frozen=True)
class Refusal:
    """S3's answer to a presigned request it does not accept."""

    status: int
    code: str
    message: str

    def body(self) -> bytes:
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{self.code}</Code><Message>{escape(self.message)}</Message></Error>"
        ).encode()


def _bad_query(message: str) -> Refusal:
    return Refusal(400, "AuthorizationQueryParametersError", message)


_SIGNATURE_MISMATCH = Refusal(
    403,
    "SignatureDoesNotMatch",
    "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
)


@dataclass(frozen=True)
class PresignedRequest:
    """A request as it reached the local S3: the raw target (path and query, still encoded)
    and its headers by lower-case name."""

    method: str
    scheme: str
    target: str
    headers: Mapping[str, str]

    @property
    def query(self) -> list[tuple[str, str]]:
        return parse_qsl(self.target.partition("?")[2], keep_blank_values=True)

    def is_presigned(self) -> bool:
        # A browser's CORS preflight (the console's upload) goes to the presigned URL, query and
        # all, but is no authenticated request: S3 answers it from the bucket's CORS rules.
        if self.method == "OPTIONS":
            return False
        names = {name for name, _ in self.query}
        return any(name in names for name in (*_V4_PARAMS, *_V2_PARAMS))


CredentialsFor = Callable[[str], Any]  # access key id → botocore credentials (with secret_key, token), or None


def refusal(request: PresignedRequest, credentials_for: CredentialsFor, region: str, now: datetime) -> Refusal | None:
    """Why S3 would refuse this presigned request, or None when it would serve it."""
    query = dict(request.query)
    refused = _unsupported(query) or _bad_scope(query, region) or _out_of_time(query, now)
    if refused is not None:
        return refused
    credentials = credentials_for(query["X-Amz-Credential"].split("/")[0])
    if credentials is None:
        return Refusal(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
    if query.get("X-Amz-Security-Token") != credentials.token:
        return Refusal(400, "InvalidToken", "The provided token is malformed or otherwise invalid.")
    signed_headers = query["X-Amz-SignedHeaders"].split(";")
    if request.method == "PUT" and "content-length" not in signed_headers:
        # Not S3's rule but Vidscope's (DESIGN §7), so a link that forgets the length fails here.
        return Refusal(403, "AccessDenied", "An upload URL must sign its length: content-length is not a signed header")
    expected = _signature(request, query, signed_headers, credentials, region)
    if not hmac.compare_digest(expected, query["X-Amz-Signature"]):
        return _SIGNATURE_MISMATCH
    return None


def _unsupported(query: dict[str, str]) -> Refusal | None:
    """SigV2, another algorithm, or SigV4 with a parameter missing."""
    if "X-Amz-Algorithm" not in query and any(name in query for name in _V2_PARAMS):
        return Refusal(
            400,
            "InvalidRequest",
            f"The authorization mechanism you have provided is not supported. Please use {ALGORITHM}.",
        )
    if query.get("X-Amz-Algorithm") != ALGORITHM:
        return _bad_query(f'X-Amz-Algorithm only supports "{ALGORITHM}"')
    if any(name not in query for name in _REQUIRED):
        return _bad_query(f"Query-string authentication version 4 requires the {', '.join(_REQUIRED)} parameters.")
    return None


def _bad_scope(query: dict[str, str], region: str) -> Refusal | None:
    """A credential scope other than <key>/<X-Amz-Date's day>/<this region>/s3/aws4_request."""
    scope = query["X-Amz-Credential"].split("/")
    if len(scope) != 5 or scope[3] != "s3" or scope[4] != "aws4_request":
        return _bad_query("Error parsing the X-Amz-Credential parameter.")
    if scope[2] != region:
        return _bad_query(
            f"Error parsing the X-Amz-Credential parameter; the region '{scope[2]}' is wrong; expecting '{region}'"
        )
    if scope[1] != query["X-Amz-Date"][:8]:
        return _bad_query("Invalid credential date. Date is not the same as X-Amz-Date.")
    return None


def _out_of_time(query: dict[str, str], now: datetime) -> Refusal | None:
    """Expired, signed for longer than S3 allows, or not valid yet."""
    try:
        signed_at = datetime.strptime(query["X-Amz-Date"], _TIMESTAMP).replace(tzinfo=UTC)
        expires = int(query["X-Amz-Expires"])
    except ValueError:
        return _bad_query("X-Amz-Date must be in the ISO8601 Long Format and X-Amz-Expires a number of seconds.")
    if not 0 < expires <= MAX_EXPIRES_SECONDS:
        return _bad_query(f"X-Amz-Expires must be less than a week (in seconds) that is {MAX_EXPIRES_SECONDS}")
    if now > signed_at + timedelta(seconds=expires):
        return Refusal(403, "AccessDenied", "Request has expired")
    if signed_at > now + _CLOCK_SKEW:
        return Refusal(403, "AccessDenied", "Request is not valid yet")
    return None


def _signature(
    request: PresignedRequest, query: dict[str, str], signed_headers: list[str], credentials: Any, region: str
) -> str:
    """The signature botocore's S3 query signer computes for this request as it arrived."""
    from botocore.auth import S3SigV4QueryAuth
    from botocore.awsrequest import AWSRequest

    # The path and query as S3 canonicalizes them: decoded, then encoded by SigV4's rules, so a
    # client that encodes a character differently (both are valid) still matches.
    path = quote(unquote(request.target.partition("?")[0]), safe="/~")
    params = {name: value for name, value in request.query if name != "X-Amz-Signature"}
    # A signed header the request lacks makes the signed-header list differ: the signature then does.
    headers = {name: request.headers[name] for name in signed_headers if name in request.headers}
    unsigned = AWSRequest(
        method=request.method,
        url=f"{request.scheme}://{request.headers.get('host', '')}{path}",
        headers=headers,
        params=params,
    )
    unsigned.context["timestamp"] = query["X-Amz-Date"]
    signer = S3SigV4QueryAuth(credentials, "s3", region, expires=int(query["X-Amz-Expires"]))
    canonical = signer.canonical_request(unsigned)
    signature: str = signer.signature(signer.string_to_sign(unsigned, canonical), unsigned)
    return signature


def from_environ(environ: Mapping[str, Any]) -> PresignedRequest:
    """The request a WSGI server received, its target as sent (werkzeug's ``REQUEST_URI``)."""
    target = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if not target:
        target = quote(environ.get("PATH_INFO", "/")) + (
            f"?{environ['QUERY_STRING']}" if environ.get("QUERY_STRING") else ""
        )
    headers = {
        key[5:].replace("_", "-").lower(): str(value) for key, value in environ.items() if key.startswith("HTTP_")
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = str(environ[key])
    return PresignedRequest(
        method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
        scheme=str(environ.get("wsgi.url_scheme", "http")),
        target=str(target),
        headers=headers,
    )


def answer(refused: Refusal, environ: Mapping[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """Send S3's error; the body the client sent is read and dropped first, so the connection
    stays usable for its next request."""
    remaining = int(environ.get("CONTENT_LENGTH") or 0)
    stream = environ.get("wsgi.input")
    while remaining > 0 and stream is not None:
        chunk = stream.read(min(remaining, 1 << 20))
        if not chunk:
            break
        remaining -= len(chunk)
    body = refused.body()
    start_response(
        f"{refused.status} {HTTPStatus(refused.status).phrase}",
        [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))],
    )
    return [body]
