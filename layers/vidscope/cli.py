"""``vidscope`` command line. Talks to the table through the same repositories as the API, so
it works against the local stack (``VIDSCOPE_AWS_ENDPOINT_URL``) and, given a table name and
AWS credentials, against a deployed one."""

from __future__ import annotations

import click

from vidscope import aws, catalog
from vidscope.clock import utc_now
from vidscope.settings import get_settings
from vidscope.tenants import TenantsRepository


@click.group()
def main() -> None:
    """Vidscope: asynchronous video analysis."""


@main.group()
def tenants() -> None:
    """Manage tenants (accounts)."""


@tenants.command("create")
@click.option("--name", required=True, help="Display name of the tenant")
@click.option("--credits", "initial_credits", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--plan", type=click.Choice(sorted(catalog.PLANS)), default="free", show_default=True)
@click.option(
    "--rate-limit", type=click.IntRange(min=1), default=None, help="Requests per minute per key (default: the plan's)"
)
@click.option("--table", default=None, help="DynamoDB table (default: VIDSCOPE_TABLE_NAME / settings)")
def create_tenant(name: str, initial_credits: int, plan: str, rate_limit: int | None, table: str | None) -> None:
    """Create a tenant and its first API key; the key is printed once and never stored."""
    repo = TenantsRepository(aws.client("dynamodb"), table or get_settings().table_name)
    now = utc_now()
    tenant = repo.create_tenant(
        name=name,
        plan=plan,
        rate_limit_per_minute=rate_limit or catalog.PLANS[plan],
        initial_credits=initial_credits,
        now=now,
    )
    issued = repo.issue_api_key(tenant.tenant_id, now)
    click.echo(f"tenant_id:  {tenant.tenant_id}")
    click.echo(f"key_id:     {issued.key_id}")
    click.echo(f"api_key:    {issued.api_key}")
    click.echo(f"credits:    {tenant.credit_balance}")
    click.echo(f"rate_limit: {tenant.rate_limit_per_minute}/min")
    click.echo("Store the API key now: it is shown only once.", err=True)


if __name__ == "__main__":
    main()
