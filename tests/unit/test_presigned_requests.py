"""The local S3's check of presigned requests (infra.local.presigned_requests): links signed by
botocore as the media store signs them, then sent as a client would send them, or not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.config import Config
from botocore.credentials import Credentials

from infra.local.presigned_requests import PresignedRequest, Refusal, refusal

ENDPOINT = "http://127.0.0.1:4566"
REGION = "us-east-1"
SIGNER = Credentials("AKIDLOCAL", "local-secret", "local-token")
KEY = "uploads/ten_a/upl_a"


def _client(**config: Any) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        region_name=REGION,
        aws_access_key_id=SIGNER.access_key,
        aws_secret_access_key=SIGNER.secret_key,
        aws_session_token=SIGNER.token,
        config=Config(**config),
    )


def _upload_url(size: int = 1_000, **params: Any) -> str:
    url: str = _client(signature_version="s3v4").generate_presigned_url(
        "put_object",
        Params={"Bucket": "media", "Key": KEY, "ContentType": "video/mp4", "ContentLength": size, **params},
        ExpiresIn=3600,
    )
    return url


def _sent(url: str, method: str = "PUT", **headers: str) -> PresignedRequest:
    parts = urlsplit(url)
    return PresignedRequest(
        method=method,
        scheme=parts.scheme,
        target=f"{parts.path}?{parts.query}",
        headers={"host": parts.netloc, **{k.lower(): v for k, v in headers.items()}},
    )


def _check(request: PresignedRequest, now: datetime | None = None) -> Refusal | None:
    known = {SIGNER.access_key: SIGNER}
    return refusal(request, known.get, REGION, now or datetime.now(UTC))


def _code(result: Refusal | None) -> str | None:
    return None if result is None else result.code


def test_the_put_it_signs_is_accepted() -> None:
    url = _upload_url()
    assert _check(_sent(url, **{"content-type": "video/mp4", "content-length": "1000"})) is None


@pytest.mark.parametrize("length", ["999", "1001", str(5 * 1024 * 1024)])
def test_a_put_of_another_length_does_not_match(length: str) -> None:
    request = _sent(_upload_url(), **{"content-type": "video/mp4", "content-length": length})
    assert _code(_check(request)) == "SignatureDoesNotMatch"


def test_a_put_to_another_key_does_not_match() -> None:
    url = _upload_url().replace("/upl_a?", "/upl_b?")
    assert (
        _code(_check(_sent(url, **{"content-type": "video/mp4", "content-length": "1000"}))) == "SignatureDoesNotMatch"
    )


def test_a_signed_header_left_out_does_not_match() -> None:
    url = _upload_url(IfNoneMatch="*")
    headers = {"content-type": "video/mp4", "content-length": "1000"}
    assert _check(_sent(url, **headers, **{"if-none-match": "*"})) is None
    assert _code(_check(_sent(url, **headers))) == "SignatureDoesNotMatch"


def test_a_sigv2_link_is_refused_as_s3_refuses_it() -> None:
    url = _client().generate_presigned_url("get_object", Params={"Bucket": "media", "Key": KEY})
    assert "AWSAccessKeyId=" in url  # botocore's default without signature_version
    result = _check(_sent(url, method="GET"))
    assert result is not None and (result.status, result.code) == (400, "InvalidRequest")


def test_a_put_link_that_does_not_sign_its_length_is_refused() -> None:
    url = _client(signature_version="s3v4").generate_presigned_url("put_object", Params={"Bucket": "media", "Key": KEY})
    result = _check(_sent(url, **{"content-length": "10"}))
    assert result is not None and (result.status, result.code) == (403, "AccessDenied")


def test_an_expired_link_is_refused_and_a_live_one_served() -> None:
    url = _client(signature_version="s3v4").generate_presigned_url(
        "get_object", Params={"Bucket": "media", "Key": KEY}, ExpiresIn=60
    )
    assert _check(_sent(url, method="GET")) is None
    later = datetime.now(UTC) + timedelta(seconds=62)
    assert _code(_check(_sent(url, method="GET"), later)) == "AccessDenied"
    stretched = url.replace("X-Amz-Expires=60", "X-Amz-Expires=3600")
    assert _code(_check(_sent(stretched, method="GET"), later)) == "SignatureDoesNotMatch"


def test_a_link_signed_by_an_unknown_key_or_another_token_is_refused() -> None:
    url = _client(signature_version="s3v4").generate_presigned_url("get_object", Params={"Bucket": "media", "Key": KEY})
    assert refusal(_sent(url, method="GET"), {}.get, REGION, datetime.now(UTC)) == Refusal(
        403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
    )
    other_token = {SIGNER.access_key: Credentials(SIGNER.access_key, SIGNER.secret_key, "another-token")}
    result = refusal(_sent(url, method="GET"), other_token.get, REGION, datetime.now(UTC))
    assert _code(result) == "InvalidToken"


def test_a_link_signed_for_another_region_is_refused() -> None:
    url = _client(signature_version="s3v4").generate_presigned_url("get_object", Params={"Bucket": "media", "Key": KEY})
    result = refusal(_sent(url, method="GET"), {SIGNER.access_key: SIGNER}.get, "eu-west-1", datetime.now(UTC))
    assert _code(result) == "AuthorizationQueryParametersError"


def test_a_key_encoded_another_valid_way_still_matches() -> None:
    client = _client(signature_version="s3v4")
    url = client.generate_presigned_url("get_object", Params={"Bucket": "media", "Key": "uploads/a b~c"})
    assert "a%20b~c" in url
    assert _check(_sent(url.replace("~", "%7E"), method="GET")) is None
