"""GET /console: the web console (DESIGN §3c), one page, one script and one stylesheet shipped in
the package and served by ``api_docs`` (no CDN, so it works offline and nothing outside can swap
a byte of it). The page loads its two assets with Subresource Integrity, as /docs does, and every
response carries a Content-Security-Policy that allows no inline script and no eval: the console
inserts untrusted text (titles, metadata, transcripts, on-screen text) only as text, and the policy
is the second wall should that ever slip. The browser talks to the API itself ('self') and to the
artifact store (presigned thumbnails, clips, downloads and the upload PUT), whose origin is taken
from a URL the media store signs, so it is whatever the signed links really point at."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TypedDict
from urllib.parse import urlsplit

ASSETS_PACKAGE = "vidscope.api"
ASSETS_DIR = "console_assets"
PAGE_FILE = "console.html"


@dataclass(frozen=True)
class Asset:
    """A file the console page loads: its route, media type and bytes' SRI hash."""

    path: str  # as routed: /console/app.js
    filename: str
    content_type: str

    @property
    def body(self) -> str:
        return _read(self.filename)

    @property
    def integrity(self) -> str:
        digest = hashlib.sha384(self.body.encode()).digest()
        return "sha384-" + base64.b64encode(digest).decode()


SCRIPT = Asset("/console/app.js", "console.js", "text/javascript; charset=utf-8")
STYLESHEET = Asset("/console/app.css", "console.css", "text/css; charset=utf-8")
ASSETS = (SCRIPT, STYLESHEET)


@cache
def _read(filename: str) -> str:
    return resources.files(ASSETS_PACKAGE).joinpath(ASSETS_DIR, filename).read_text(encoding="utf-8")


@cache
def page() -> str:
    """The HTML page, its assets' paths and integrity hashes filled in."""
    html = _read(PAGE_FILE)
    for name, asset in (("SCRIPT", SCRIPT), ("STYLESHEET", STYLESHEET)):
        html = html.replace(f"{{{{{name}_PATH}}}}", asset.path).replace(f"{{{{{name}_INTEGRITY}}}}", asset.integrity)
    return html


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL, as a CSP source expression names an origin."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(artifact_origin: str, *, allow_loopback_media: bool = False) -> str:
    """The console's policy. Scripts and styles only from Vidscope itself; fetches to the API and the
    artifact store; pictures and clips from the artifact store. The player also plays a job's own
    URL when no download was asked, so media may come from any https origin (and, in local and test
    settings only, from loopback, where local media servers are)."""
    media = ["'self'", artifact_origin, "https:"]
    if allow_loopback_media:
        media += ["http://127.0.0.1:*", "http://localhost:*"]
    directives = {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", artifact_origin, "data:"],
        "media-src": media,
        "connect-src": ["'self'", artifact_origin],
        "base-uri": ["'none'"],
        "form-action": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


# Sent with the page and its assets.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


# The artifact store's CORS rule (S3's PutBucketCors shape; CDK and the local stack both apply it):
# the console PUTs an upload straight to its presigned URL, a cross-origin request with headers
# the signature covers (so the browser asks first). Any origin: a presigned URL is its own
# credential, and the browser sends no cookie or other ambient authority with it. Reads
# (thumbnails, clips, the download) are plain <img>/<video> loads and need no CORS.
class CorsRule(TypedDict):
    AllowedOrigins: list[str]
    AllowedMethods: list[str]
    AllowedHeaders: list[str]
    ExposeHeaders: list[str]
    MaxAgeSeconds: int


ARTIFACT_STORE_CORS: CorsRule = {
    "AllowedOrigins": ["*"],
    "AllowedMethods": ["PUT"],
    "AllowedHeaders": ["content-type", "if-none-match"],
    "ExposeHeaders": ["ETag"],
    "MaxAgeSeconds": 3600,
}
