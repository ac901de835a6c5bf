"""``vidscope tenants create`` writes a tenant whose printed key works against the API."""

from __future__ import annotations

import re

from click.testing import CliRunner
from werkzeug.test import Client

from vidscope.cli import main


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
