"""``vidscope`` command line. Talks to the table through the same repositories as the API, so
it works against the local stack (``VIDSCOPE_AWS_ENDPOINT_URL``) and, given a table name and
AWS credentials, against a deployed one."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlsplit

import click
import httpx
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from vidscope import catalog
from vidscope.adapters import aws
from vidscope.capabilities import REGISTRY
from vidscope.capabilities.base import SWATCH
from vidscope.client import DEFAULT_URL, VidscopeClient, VidscopeError
from vidscope.clock import utc_now
from vidscope.errors import TenantNotFound
from vidscope.models import Job
from vidscope.settings import get_settings
from vidscope.tenancy.tenants import TenantsRepository, onboard
from vidscope.webhooks.secrets import WebhookSecrets


def _use_local_stack(ctx: click.Context) -> None:
    """With VIDSCOPE_URL (or --url) pointing at a running local stack, and no AWS endpoint set,
    talk to that stack's AWS: the local front says where it is (``/_local/aws``)."""
    url = str(ctx.find_root().params.get("url") or "")
    if os.environ.get("VIDSCOPE_AWS_ENDPOINT_URL") or urlsplit(url).hostname not in ("127.0.0.1", "localhost"):
        return
    try:
        info = httpx.get(f"{url.rstrip('/')}/_local/aws", timeout=2).json()
    except (httpx.HTTPError, ValueError):
        return  # no local stack there: the settings' AWS (a deployed table) it is
    os.environ["VIDSCOPE_AWS_ENDPOINT_URL"] = info["endpoint_url"]
    os.environ["VIDSCOPE_TABLE_NAME"] = info["table_name"]
    os.environ.setdefault("AWS_DEFAULT_REGION", info["region"])
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "local")
    get_settings.cache_clear()
    aws.reset_clients()


def _tenants(ctx: click.Context, table: str | None = None) -> TenantsRepository:
    """The tenants table: the running local stack's when VIDSCOPE_URL points at one, else the
    settings' (a deployed table, given its name and AWS credentials)."""
    _use_local_stack(ctx)
    return TenantsRepository(aws.client("dynamodb"), table or get_settings().table_name)


def _webhook_secrets() -> WebhookSecrets:
    return WebhookSecrets(aws.client("secretsmanager"), get_settings().webhook_secret_prefix)


@click.group()
@click.option("--url", envvar="VIDSCOPE_URL", default=DEFAULT_URL, show_default=True, help="API base URL")
@click.option("--api-key", envvar="VIDSCOPE_API_KEY", default=None, help="API key (sk_live_…)")
def main(url: str, api_key: str | None) -> None:
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
@click.pass_context
def create_tenant(
    ctx: click.Context, name: str, initial_credits: int, plan: str, rate_limit: int | None, table: str | None
) -> None:
    """Create a tenant, its first API key and its webhook signing secret; both secrets are
    printed once (the key is stored only as a hash, the webhook secret in Secrets Manager)."""
    repo = _tenants(ctx, table)
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


@main.group()
def keys() -> None:
    """Issue and revoke API keys."""


@keys.command("create")
@click.option("--tenant-id", required=True)
@click.pass_context
def create_key(ctx: click.Context, tenant_id: str) -> None:
    """Issue another API key for a tenant (printed once; stored only as a hash)."""
    repo = _tenants(ctx)
    try:
        issued = repo.issue_api_key(tenant_id, utc_now())
    except TenantNotFound as exc:
        raise click.ClickException(f"no tenant {tenant_id}") from exc
    click.echo(f"key_id:  {issued.key_id}")
    click.echo(f"api_key: {issued.api_key}")
    click.echo("Store the API key now: it is shown only once.", err=True)


@keys.command("revoke")
@click.argument("api_key")
@click.pass_context
def revoke_key(ctx: click.Context, api_key: str) -> None:
    """Revoke API_KEY: requests with it get 401 from now on."""
    repo = _tenants(ctx)
    try:
        repo.revoke_api_key(api_key, utc_now())
    except aws.client("dynamodb").exceptions.ConditionalCheckFailedException as exc:
        raise click.ClickException("no such API key") from exc
    click.echo("revoked")


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


# --- jobs: through the HTTP API, with vidscope.client ------------------------------------------


T = TypeVar("T")


def _client(ctx: click.Context) -> VidscopeClient:
    # --url and --api-key may follow the subcommand too (`vidscope jobs get ID --api-key K`), as
    # gh and stripe take them; given there, they win over the ones before it.
    options = {**ctx.find_root().params, **{k: v for k, v in ctx.meta.get(_CONNECTION, {}).items() if v is not None}}
    return VidscopeClient(options["url"], options["api_key"])


_CONNECTION = "vidscope.connection"


def _remember_connection(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if param.name is not None:
        ctx.meta.setdefault(_CONNECTION, {})[param.name] = value


def _connection_options(command: click.Command) -> click.Command:
    """The root's --url and --api-key, accepted after the subcommand as well."""
    for name, help_text in (("url", "API base URL"), ("api-key", "API key (sk_live_…)")):
        command.params.append(
            click.Option([f"--{name}"], default=None, expose_value=False, callback=_remember_connection, help=help_text)
        )
    return command


def _call(ctx: click.Context, action: Callable[[VidscopeClient], T]) -> T:
    """Run ``action`` with a client; an API error prints its code and message, not a traceback."""
    with _client(ctx) as client:
        try:
            return action(client)
        except VidscopeError as error:
            _fail(error)


def _fail(error: VidscopeError) -> NoReturn:
    click.echo(f"error: {error.code}: {error.message}", err=True)
    raise SystemExit(1)


def _emit(job: Job, as_json: bool) -> None:
    if as_json:
        click.echo(job.model_dump_json(exclude_none=True))
        return
    console = Console()
    for line in _job_lines(job):
        console.print(line)


def _job_lines(job: Job) -> Iterator[str]:
    """The job as the terminal shows it (rich markup)."""
    yield f"[bold]{job.job_id}[/bold]  {job.status}  {job.url or job.upload_id}"
    if job.error is not None:
        yield f"[red]{job.error.code}[/red]: {job.error.message}"
    yield from _result_lines(job)
    for note in job.notes or ():  # an empty result, and why
        yield f"[bold]{note.capability}[/bold]: 0 {note.capability}: {escape(note.message)}"
    for failed in job.capability_errors or ():
        yield f"[yellow]{failed.capability} failed[/yellow]: {failed.message}"
    if job.credits_charged is not None:
        yield f"credits charged: {job.credits_charged}"


def _swatches(line: str) -> str:
    """A render line's colour swatches (``capabilities.base.swatch``) as blocks of that colour."""
    return SWATCH.sub(lambda match: f"[on {match.group(1)}]   [/]", line)


def _result_lines(job: Job) -> Iterator[str]:
    for name, capability in REGISTRY.items():  # each capability says how it reads in a terminal
        result = (job.results or {}).get(name)
        if result is not None:
            lines = capability.render(capability.result_model.model_validate(result))
            yield from (f"[bold]{name}[/bold]: {_swatches(escape(line))}" for line in lines)
    shown = catalog.BOUNDED_RESULT_ITEMS
    for name, total in (job.result_totals or {}).items():
        if total > shown:
            yield f"({name}: the first {shown} of {total} items; GET /v1/jobs/ID/results/{name} pages them)"


def _options(pairs: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    options: dict[str, dict[str, Any]] = {}
    for pair in pairs:
        path, equals, raw = pair.partition("=")
        capability, dot, name = path.partition(".")
        if not (equals and dot and capability and name):
            raise click.BadParameter(f"{pair!r} is not CAPABILITY.NAME=VALUE", param_hint="--option")
        options.setdefault(capability, {})[name] = _option_value(raw)
    return options


def _option_value(raw: str) -> Any:
    """VALUE as JSON when it parses as JSON, else as text; ``@FILE`` reads it from FILE (a JSON
    Schema, a long prompt)."""
    if raw.startswith("@"):
        try:
            raw = Path(raw[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise click.BadParameter(f"cannot read {raw[1:]!r}: {exc.strerror}", param_hint="--option") from None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _media_options(client: VidscopeClient, options: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """A second media given by its role (``style.template=./look.mp4``), for a capability whose
    options name one as ``<role>_url`` or ``<role>_upload_id``: a local file is uploaded first and
    named by its upload, anything else is taken for a URL."""
    resolved: dict[str, dict[str, Any]] = {}
    for name, values in options.items():
        fields = REGISTRY[name].options.model_fields if name in REGISTRY else {}
        resolved[name] = {}
        for key, value in values.items():
            if f"{key}_url" in fields and f"{key}_upload_id" in fields and isinstance(value, str):
                local = Path(value).expanduser()
                if local.is_file():
                    resolved[name][f"{key}_upload_id"] = _upload(client, local)
                else:
                    resolved[name][f"{key}_url"] = value
            else:
                resolved[name][key] = value
    return resolved


def _upload(client: VidscopeClient, path: Path) -> str:
    with Progress(TextColumn("upload"), BarColumn(), DownloadColumn(), TransferSpeedColumn(), transient=True) as bar:
        task = bar.add_task("upload", total=path.stat().st_size)
        return client.upload(path, on_progress=lambda sent, total: bar.update(task, completed=sent, total=total))


def _wait_with_progress(client: VidscopeClient, job: Job) -> Job:
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>5.1f}%")) as bar:
        task = bar.add_task(job.status.value, total=100)

        def show(update: Job) -> None:
            stage = update.progress.stage.value if update.progress else update.status.value
            percent = update.progress.percent if update.progress else (100 if update.status.is_terminal else 0)
            bar.update(task, description=stage, completed=percent)

        return client.wait(job.job_id, on_update=show)


@main.group()
@click.pass_context
def jobs(ctx: click.Context) -> None:
    """Create, watch and fetch jobs through the API."""


@jobs.command("create")
@click.argument("media")
@click.option("--capability", "capabilities", multiple=True, required=True, help="Repeat for each analysis")
@click.option("--proof", is_flag=True, help="Attach timestamped proof to brands")
@click.option(
    "--option",
    "option_pairs",
    multiple=True,
    metavar="CAPABILITY.NAME=VALUE",
    help=(
        "A capability's option (VALUE is JSON when it parses as JSON; @FILE reads it from FILE), "
        "e.g. brands.return_proof=true, extract.schema=@schema.json; a second media by its role, a local "
        "file (uploaded) or a URL: style.template=./template.mp4"
    ),
)
@click.option("--webhook-url", default=None)
@click.option("--idempotency-key", default=None)
@click.option("--wait", "wait_for_end", is_flag=True, help="Show progress until the job ends, then its results")
@click.option("--json", "as_json", is_flag=True, help="Print raw JSON")
@click.pass_context
def create_job(
    ctx: click.Context,
    media: str,
    capabilities: tuple[str, ...],
    proof: bool,
    option_pairs: tuple[str, ...],
    webhook_url: str | None,
    idempotency_key: str | None,
    wait_for_end: bool,
    as_json: bool,
) -> None:
    """Submit MEDIA for analysis: a URL, or a local file (uploaded first, with a progress bar)."""
    with _client(ctx) as client:
        try:
            upload_id = _upload(client, Path(media)) if os.path.isfile(media) else None
            job = client.create_job(
                None if upload_id else media,
                list(capabilities),
                upload_id=upload_id,
                return_proof=proof,
                options=_media_options(client, _options(option_pairs)),
                webhook_url=webhook_url,
                idempotency_key=idempotency_key,
            )
            if wait_for_end:
                job = client.wait(job.job_id) if as_json else _wait_with_progress(client, job)
        except VidscopeError as error:
            _fail(error)
    _emit(job, as_json)
    if job.status.value == "failed":
        raise SystemExit(2)


@jobs.command("get")
@click.argument("job_id")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def get_job(ctx: click.Context, job_id: str, as_json: bool) -> None:
    """Show one job."""
    _emit(_call(ctx, lambda client: client.get_job(job_id)), as_json)


@jobs.command("list")
@click.option("--status", default=None)
@click.option("--capability", default=None, help="Only jobs that asked for this capability")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_jobs(ctx: click.Context, status: str | None, capability: str | None, limit: int, as_json: bool) -> None:
    """List jobs, newest first."""

    def first_jobs(client: VidscopeClient) -> list[Job]:
        return list(itertools.islice(client.list_jobs(status=status, capability=capability), limit))

    for job in _call(ctx, first_jobs):
        click.echo(
            job.model_dump_json(exclude_none=True)
            if as_json
            else f"{job.job_id}  {job.status:<10} {job.url or job.upload_id}"
        )


@jobs.command("cancel")
@click.argument("job_id")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def cancel_job(ctx: click.Context, job_id: str, as_json: bool) -> None:
    """Cancel a pending or processing job (its credits are refunded)."""
    _emit(_call(ctx, lambda client: client.cancel_job(job_id)), as_json)


@jobs.command("transcript")
@click.argument("job_id")
@click.option("--format", "format_", type=click.Choice(["json", "txt", "srt", "vtt"]), default="txt")
@click.option("--language", default=None, help="A translation's language (ISO 639-1), from the translation capability")
@click.pass_context
def transcript(ctx: click.Context, job_id: str, format_: str, language: str | None) -> None:
    """Print a completed job's transcript, or one of its translations."""
    found = _call(ctx, lambda client: client.transcript(job_id, format_, language=language))
    click.echo(found if isinstance(found, str) else found.model_dump_json())


for _command in jobs.commands.values():
    _connection_options(_command)
