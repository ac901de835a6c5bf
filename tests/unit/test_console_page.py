"""/console is one page, one script and one stylesheet from the package: no inline script or
handler, no markup built from strings, a policy that would stop one anyway."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

from infra.local.presigned_requests import PresignedRequest
from vidscope.api import console
from vidscope.functions import api_function

ORIGIN = "https://vidscope-media.s3.amazonaws.com"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.script_text.append(data)


def _parsed() -> _Tags:
    parser = _Tags()
    parser.feed(console.page())
    return parser


def test_the_page_loads_one_script_and_one_stylesheet_from_its_own_routes_with_their_hashes() -> None:
    tags = _parsed().tags
    scripts = [attrs for tag, attrs in tags if tag == "script"]
    styles = [attrs for tag, attrs in tags if tag == "link" and attrs.get("rel") == "stylesheet"]
    assert [s["src"] for s in scripts] == [console.SCRIPT.path]
    assert [s["href"] for s in styles] == [console.STYLESHEET.path]
    for attrs, asset in ((scripts[0], console.SCRIPT), (styles[0], console.STYLESHEET)):
        digest = base64.b64encode(hashlib.sha384(asset.body.encode()).digest()).decode()
        assert attrs["integrity"] == f"sha384-{digest}"
    declared = {route.path for route in api_function("api_docs").routes}
    assert {"/console", console.SCRIPT.path, console.STYLESHEET.path} <= declared


def test_the_page_has_no_inline_script_handler_or_style() -> None:
    parsed = _parsed()
    assert parsed.script_text == []
    for tag, attrs in parsed.tags:
        assert not [name for name in attrs if name.startswith("on")], tag
        assert "style" not in attrs, tag
    assert "<style" not in console.page()


def test_the_script_never_builds_markup_from_strings_or_evaluates_code() -> None:
    script = console.SCRIPT.body
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "srcdoc"):
        assert sink not in script, sink
    # Attributes are set only by el(), which routes href and src through safeUrl().
    assert re.findall(r"\.setAttribute\(\s*\"(?:href|src)\"", script) == []


def test_the_policy_allows_scripts_from_vidscope_only_and_fetches_to_the_api_and_the_artifact_store() -> None:
    policy = dict((part.split()[0], part.split()[1:]) for part in console.content_security_policy(ORIGIN).split("; "))
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'", ORIGIN]
    assert ORIGIN in policy["img-src"] and ORIGIN in policy["media-src"]
    assert policy["frame-ancestors"] == ["'none'"]
    text = console.content_security_policy(ORIGIN, allow_loopback_media=True)
    assert "unsafe-inline" not in text and "unsafe-eval" not in text
    assert "127.0.0.1" not in console.content_security_policy(ORIGIN)


def test_the_artifact_origin_is_the_scheme_and_host_of_a_signed_link() -> None:
    assert console.origin_of("http://127.0.0.1:4566/bucket/key?X-Amz-Signature=abc") == "http://127.0.0.1:4566"
    assert console.origin_of(f"{ORIGIN}/tenants/t/jobs/j/a.jpg?X-Amz-Expires=60") == ORIGIN


def test_a_browsers_preflight_to_a_presigned_url_is_no_presigned_request() -> None:
    # S3 answers CORS preflights from the bucket's rules; the local S3 must not check a signature.
    target = "/bucket/key?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=k&X-Amz-Signature=abc"
    assert not PresignedRequest(method="OPTIONS", scheme="http", target=target, headers={}).is_presigned()
    assert PresignedRequest(method="PUT", scheme="http", target=target, headers={}).is_presigned()
