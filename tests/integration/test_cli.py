"""``vidscope tenants create`` writes a tenant whose printed key works against the API."""

from __future__ import annotations

import re
from datetime import timedelta

import boto3
from click.testing import CliRunner
from werkzeug.test import Client

from vidscope import dependencies
from vidscope.cli import main
from vidscope.clock import utc_now
from vidscope.settings import get_settings
from vidscope.webhooks.secrets import WebhookSecrets


def test_tenants_create_prints_a_working_key_once(api: Client) -> None:
    result = CliRunner().invoke(
        main, ["tenants", "create", "--name", "Initech", "--credits", "250", "--rate-limit", "30"]
    )
    assert result.exit_code == 0, result.output
    api_key = re.search(r"api_key:\s+(sk_live_\S+)", result.output).group(1)  # type: ignore[union-attr]
    account = api.get("/v1/account", headers={"X-Api-Key": api_key}).json["data"]
    assert account["name"] == "Initech"
    assert account["credit_balance"] == 250
    assert account["rate_limit"]["limit"] == 30
    tenant_id = re.search(r"tenant_id:\s+(\S+)", result.output).group(1)  # type: ignore[union-attr]
    secret = re.search(r"webhook_secret:\s+(whsec_\S+)", result.output).group(1)  # type: ignore[union-attr]
    assert dependencies.webhook_secrets().signing_secrets(tenant_id, utc_now()) == [secret]


def test_rotating_the_webhook_secret_signs_with_both_until_the_overlap_ends(api: Client) -> None:
    created = CliRunner().invoke(main, ["tenants", "create", "--name", "Hooli"])
    tenant_id = re.search(r"tenant_id:\s+(\S+)", created.output).group(1)  # type: ignore[union-attr]
    old = re.search(r"webhook_secret:\s+(whsec_\S+)", created.output).group(1)  # type: ignore[union-attr]

    rotated = CliRunner().invoke(main, ["tenants", "rotate-webhook-secret", tenant_id, "--overlap-hours", "2"])
    assert rotated.exit_code == 0, rotated.output
    new = re.search(r"webhook_secret:\s+(whsec_\S+)", rotated.output).group(1)  # type: ignore[union-attr]
    secrets = WebhookSecrets(boto3.client("secretsmanager"), get_settings().webhook_secret_prefix)
    now = utc_now()
    assert secrets.signing_secrets(tenant_id, now) == [new, old]
    assert secrets.signing_secrets(tenant_id, now + timedelta(hours=2, seconds=1)) == [new]


def test_keys_create_issues_a_working_key_and_revoke_shuts_it_out(api: Client) -> None:
    created = CliRunner().invoke(main, ["tenants", "create", "--name", "Keys"])
    tenant_id = re.search(r"tenant_id:\s+(\S+)", created.output).group(1)  # type: ignore[union-attr]
    issued = CliRunner().invoke(main, ["keys", "create", "--tenant-id", tenant_id])
    assert issued.exit_code == 0, issued.output
    key = re.search(r"api_key:\s+(sk_live_\S+)", issued.output).group(1)  # type: ignore[union-attr]
    assert api.get("/v1/account", headers={"X-Api-Key": key}).status_code == 200

    revoked = CliRunner().invoke(main, ["keys", "revoke", key])
    assert revoked.exit_code == 0, revoked.output
    assert api.get("/v1/account", headers={"X-Api-Key": key}).status_code == 401
    unknown = CliRunner().invoke(main, ["keys", "revoke", "sk_live_nope"])
    assert unknown.exit_code == 1 and "no such API key" in unknown.output
    missing = CliRunner().invoke(main, ["keys", "create", "--tenant-id", "ten_nope"])
    assert missing.exit_code == 1 and "no tenant ten_nope" in missing.output
