"""GET /v1/account — the caller's tenant, plan, credit balance and rate limit."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from vidscope import catalog, dependencies
from vidscope.api.http import build_app, current_principal, documented, json_response, lambda_entry, meta
from vidscope.api.openapi import ApiTag
from vidscope.functions import api_function
from vidscope.models import Account, AccountEnvelope, RateLimitInfo

SPEC = api_function("get_account")
router = Router()


@router.get(
    SPEC.route.resolver_path,
    summary=SPEC.description,
    operation_id="getAccount",
    tags=[ApiTag.ACCOUNT],
    responses=documented(200, AccountEnvelope),
)
def get_account() -> Response[str]:
    tenant = dependencies.tenants_repository().get_tenant(current_principal().tenant_id)
    account = Account(
        tenant_id=tenant.tenant_id,
        name=tenant.name,
        plan=tenant.plan,
        credit_balance=tenant.credit_balance,
        rate_limit=RateLimitInfo(limit=tenant.rate_limit_per_minute, window_seconds=catalog.RATE_LIMIT_WINDOW_SECONDS),
    )
    return json_response(AccountEnvelope(data=account, meta=meta()))


app = build_app(router)

lambda_handler = lambda_entry(app)
