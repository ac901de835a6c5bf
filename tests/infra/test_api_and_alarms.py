"""The API as deployed (every route to its own least-privileged function, throttled, traced,
logged), the secrets kept out of environment variables, and the alarms ops rely on."""

from __future__ import annotations

import json

from aws_cdk.assertions import Match, Template

from infra.gateway_errors import GATEWAY_ERRORS
from tests.infra.conftest import Synthesized
from tests.infra.policies import actions, policies_of
from vidscope.functions import API_FUNCTIONS
from vidscope.models import ErrorEnvelope


def test_every_route_of_the_function_list_is_a_method_on_its_own_function(prod_template: Template) -> None:
    methods = prod_template.find_resources("AWS::ApiGateway::Method")
    routes = [(route.method, spec.name) for spec in API_FUNCTIONS for route in spec.routes]
    assert sorted(m["Properties"]["HttpMethod"] for m in methods.values()) == sorted(method for method, _ in routes)
    for method in methods.values():
        assert method["Properties"]["Integration"]["Type"] == "AWS_PROXY"
    prod_template.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "TracingEnabled": True,
            "AccessLogSetting": Match.object_like({"DestinationArn": Match.any_value()}),
            "MethodSettings": [Match.object_like({"ThrottlingRateLimit": 500, "ThrottlingBurstLimit": 1000})],
        },
    )


def test_reading_functions_cannot_write_jobs(prod_template: Template) -> None:
    for name in ("getjob", "listjobs", "gettranscript", "listwebhookdeliveries"):
        statements = policies_of(prod_template, name)
        writes = [s for s in statements if {"dynamodb:PutItem", "dynamodb:DeleteItem"} & actions([s])]
        assert writes == [], name
        updates = [s for s in statements if "dynamodb:UpdateItem" in actions([s])]
        # The only update is counting the caller's rate-limit window.
        assert updates and all("RATELIMIT#*" in json.dumps(s["Condition"]) for s in updates), name
    assert not {a for a in actions(policies_of(prod_template, "getjob")) if a.startswith("s3:Put")}
    assert "s3:DeleteObject" in actions(policies_of(prod_template, "deletejob"))


def test_secrets_stay_out_of_environment_variables(prod_template: Template) -> None:
    for function in prod_template.find_resources("AWS::Lambda::Function").values():
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        assert "VIDSCOPE_CURSOR_SECRET" not in variables
        assert not any("whsec_" in json.dumps(v) or "sk_live_" in json.dumps(v) for v in variables.values())
    secret_readers = [
        name
        for name in ("listjobs", "getjob", "createjob", "canceljob")
        if "secretsmanager:GetSecretValue" in actions(policies_of(prod_template, name))
    ]
    assert secret_readers == ["listjobs"]  # only it signs and checks cursors


def test_alarms_watch_5xx_failed_executions_dlqs_and_webhook_failures(prod_template: Template) -> None:
    alarms = prod_template.find_resources("AWS::CloudWatch::Alarm")
    text = json.dumps(alarms)
    for metric in ("5XXError", "ExecutionsFailed", "ApproximateNumberOfMessagesVisible", "WebhookAttemptsFailed"):
        assert metric in text, metric
    assert len(alarms) == 5  # 5xx rate, failed executions, webhook failure rate, two DLQs
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"], "every alarm notifies the alarm topic"
    prod_template.resource_count_is("AWS::CloudWatch::Dashboard", 1)


def test_api_gateways_own_errors_carry_the_api_error_envelope(prod_template: Template) -> None:
    responses = {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in prod_template.find_resources("AWS::ApiGateway::GatewayResponse").values()
    }
    expected = {
        "THROTTLED": ("429", "RATE_LIMITED"),
        "MISSING_AUTHENTICATION_TOKEN": ("404", "NOT_FOUND"),  # REST APIs' answer to an unknown route
        "BAD_REQUEST_PARAMETERS": ("400", "VALIDATION_ERROR"),
        "WAF_FILTERED": ("403", "REQUEST_BLOCKED"),
        "DEFAULT_4XX": (None, "VALIDATION_ERROR"),
        "DEFAULT_5XX": (None, "INTERNAL_ERROR"),
    }
    for response_type, (status, code) in expected.items():
        properties = responses[response_type]
        assert properties.get("StatusCode") == status, response_type
        # The template, with API Gateway's variables filled in, is the API's ErrorEnvelope.
        template = properties["ResponseTemplates"]["application/json"]
        filled = template.replace("$context.requestId", "req-1").replace("$context.error.messageString", '"m"')
        envelope = ErrorEnvelope.model_validate_json(filled)
        assert envelope.error.code == code and envelope.meta.request_id == "req-1"
    assert responses["THROTTLED"]["ResponseParameters"] == {"gatewayresponse.header.Retry-After": "'60'"}


def test_prod_sits_behind_a_firewall_and_dev_does_not(prod_template: Template, dev: Synthesized) -> None:
    [acl] = prod_template.find_resources("AWS::WAFv2::WebACL").values()
    rules = {r["Name"]: r for r in acl["Properties"]["Rules"]}
    assert rules["RequestsPerIp"]["Statement"]["RateBasedStatement"] == {"AggregateKeyType": "IP", "Limit": 6000}
    assert {"AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesKnownBadInputsRuleSet"} <= set(rules)
    [association] = prod_template.find_resources("AWS::WAFv2::WebACLAssociation").values()
    assert "Stage" in json.dumps(association["Properties"]["ResourceArn"])
    dev.template.resource_count_is("AWS::WAFv2::WebACL", 0)


def test_gateway_responses_are_the_table_the_local_front_answers_from(prod_template: Template) -> None:
    responses = {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in prod_template.find_resources("AWS::ApiGateway::GatewayResponse").values()
    }
    assert set(responses) == {e.response_type for e in GATEWAY_ERRORS.values()}
    for error in GATEWAY_ERRORS.values():
        properties = responses[error.response_type]
        assert properties["ResponseTemplates"] == {"application/json": error.template}, error.response_type
        assert properties.get("StatusCode") == (None if error.status is None else str(error.status))
