"""``vidscope`` command line. Talks to the table through the same repositories as the API, so
it works against the local stack (``VIDSCOPE_AWS_ENDPOINT_URL``) and, given a table name and
AWS credentials, against a deployed one."""

from __future__ import annotations

from datetime import timedelta

import click

from vidscope import aws, catalog
from vidscope.clock import utc_now
from vidscope.settings import get_settings
from vidscope.tenants import TenantsRepository, onboard
from vidscope.webhook_secrets import WebhookSecrets


def _webhook_secrets() -> WebhookSecrets:
    return WebhookSecrets(aws.client("secretsmanager"), get_settings().webhook_secret_prefix)


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
    """Create a tenant, its first API key and its webhook signing secret; both secrets are
    printed once (the key is stored only as a hash, the webhook secret in Secrets Manager)."""
    repo = TenantsRepository(aws.client("dynamodb"), table or get_settings().table_name)
    created = onboard(
        repo,
        _webhook_secrets(),
        name=name,
        plan=plan,
        rate_limit_per_minute=rate_limit or catalog.PLANS[plan],
        initial_credits=initial_credits,
        now=utc_now(),
    )
    click.echo(f"tenant_id:      {created.tenant.tenant_id}")
    click.echo(f"key_id:         {created.key.key_id}")
    click.echo(f"api_key:        {created.key.api_key}")
    click.echo(f"webhook_secret: {created.webhook_secret}")
    click.echo(f"credits:        {created.tenant.credit_balance}")
    click.echo(f"rate_limit:     {created.tenant.rate_limit_per_minute}/min")
    click.echo("Store the API key and the webhook secret now: they are shown only once.", err=True)


@tenants.command("rotate-webhook-secret")
@click.argument("tenant_id")
@click.option(
    "--overlap-hours",
    type=click.FloatRange(min=0),
    default=24,
    show_default=True,
    help="How long webhooks stay signed with the old secret too",
)
def rotate_webhook_secret(tenant_id: str, overlap_hours: float) -> None:
    """Give the tenant a new webhook signing secret, printed once. Until the overlap ends every
    webhook carries two signatures (old and new secret), so the receiver can switch at leisure."""
    secret = _webhook_secrets().rotate(tenant_id, overlap=timedelta(hours=overlap_hours), now=utc_now())
    click.echo(f"webhook_secret: {secret}")
    click.echo(f"The previous secret keeps signing for {overlap_hours:g} h.", err=True)


if __name__ == "__main__":
    main()
