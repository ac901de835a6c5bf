"""The balance always equals the sum of the ledger and never goes negative."""

from __future__ import annotations

import random

from werkzeug.test import Client

from tests.integration.conftest import create, job_body
from tests.support.required_options import required_options
from vidscope import catalog
from vidscope.capabilities import REGISTRY
from vidscope.tenancy.tenants import TenantsRepository


def test_balance_equals_sum_of_ledger_after_random_creates_and_cancels(
    api: Client,
    make_tenant,
    tenants_repo: TenantsRepository,  # type: ignore[no-untyped-def]
) -> None:
    rng = random.Random(20261122)
    start = catalog.minimum_credits(["transcription", "summary", "brands"]) * 3
    tenant = make_tenant(credits=start)
    open_jobs: list[str] = []
    outcomes = {202: 0, 402: 0, 200: 0}
    for _ in range(40):
        if open_jobs and rng.random() < 0.45:
            job_id = open_jobs.pop(rng.randrange(len(open_jobs)))
            outcomes[api.post(f"/v1/jobs/{job_id}/cancel", headers=tenant.headers).status_code] += 1
        else:
            caps = rng.sample(list(REGISTRY), rng.randint(1, 3))
            response = create(api, tenant, job_body(capabilities=caps, options=required_options(caps)))
            outcomes[response.status_code] += 1
            if response.status_code == 202:
                open_jobs.append(response.json["data"]["job_id"])
        balance = tenants_repo.get_tenant(tenant.tenant_id).credit_balance
        assert balance >= 0
        assert balance == sum(e["amount"] for e in tenants_repo.ledger(tenant.tenant_id))
    # the sequence exercised every path: holds, refunds and refusals for lack of credits
    assert outcomes[202] and outcomes[200] and outcomes[402]
