"""GET /console and its two assets through the local API Gateway: no key needed, each with the
console's Content-Security-Policy naming the artifact store that the API's signed links point at."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from vidscope import dependencies
from vidscope.api import console


def _policy(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split("; ")}


@pytest.mark.parametrize(
    ("path", "content_type", "body"),
    [
        ("/console", "text/html", console.page),
        (console.SCRIPT.path, "text/javascript", lambda: console.SCRIPT.body),
        (console.STYLESHEET.path, "text/css", lambda: console.STYLESHEET.body),
    ],
)
def test_the_console_and_its_assets_need_no_key_and_carry_the_policy(
    api: Client, path: str, content_type: str, body: object
) -> None:
    response = api.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(content_type)
    assert callable(body) and response.get_data(as_text=True) == body()
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    signed = dependencies.media_store().presigned_url("any", expires_in=60)
    policy = _policy(response.headers["Content-Security-Policy"])
    assert policy["connect-src"] == ["'self'", console.origin_of(signed)]
    assert policy["script-src"] == ["'self'"]
