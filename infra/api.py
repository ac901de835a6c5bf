"""The public API: an API Gateway REST API routing each /v1 route of the function list to its
own function (so each keeps least privilege), with X-Ray, JSON access logs, stage throttling as
a second line behind the app's per-key limits, and an optional custom domain."""

from __future__ import annotations

from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra import nag
from infra.config import StageConfig
from infra.gateway_errors import GATEWAY_ERRORS
from infra.grants import Resources, grant
from infra.lambdas import FunctionFactory
from vidscope.functions import API_FUNCTIONS


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        resources: Resources,
        factory: FunctionFactory,
        environment: dict[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        access_logs = logs.LogGroup(self, "AccessLogs", retention=logs.RetentionDays.ONE_YEAR)
        self.rest_api = apigateway.RestApi(
            self,
            "RestApi",
            rest_api_name=f"vidscope-{config.name}",
            description="Vidscope: asynchronous video analysis",
            cloud_watch_role=True,
            deploy_options=apigateway.StageOptions(
                stage_name="live",
                tracing_enabled=True,
                metrics_enabled=True,
                logging_level=apigateway.MethodLoggingLevel.ERROR,
                throttling_rate_limit=config.api_rate_limit,
                throttling_burst_limit=config.api_burst_limit,
                access_log_destination=apigateway.LogGroupLogDestination(access_logs),
                access_log_format=apigateway.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=False,
                ),
            ),
        )
        # Query-string and path parameters are validated by API Gateway; bodies by the app, whose
        # errors carry the contract's codes (VALIDATION_ERROR, INVALID_URL, …).
        validator = self.rest_api.add_request_validator("Parameters", validate_request_parameters=True)
        self.functions: dict[str, lambda_.Function] = {}
        for spec in API_FUNCTIONS:
            function = factory.build(spec, **environment)
            grant(function, spec.access, resources)
            self.functions[spec.name] = function
            integration = apigateway.LambdaIntegration(function)
            for route in spec.routes:
                resource = self.rest_api.root.resource_for_path(route.path)
                parameters = {f"method.request.path.{p}": True for p in _path_parameters(route.path)}
                resource.add_method(
                    route.method, integration, request_parameters=parameters or None, request_validator=validator
                )
        self._shape_gateway_errors()
        self._protect(config)
        nag.acknowledge(
            self.rest_api,
            "APIG2",
            "Parameters are validated by API Gateway; bodies by the handler against the API's "
            "pydantic models, which answer with the documented error codes and field paths.",
        )
        for rule in ("APIG4", "COG4"):
            nag.acknowledge(
                self.rest_api,
                rule,
                "Clients authenticate with Vidscope API keys (Authorization: Bearer), checked by the "
                "app against hashed keys in the table with per-key rate limits (DESIGN §7); the "
                "docs routes are public on purpose.",
            )
        nag.acknowledge(
            self.rest_api,
            "IAM4",
            "API Gateway's account-level logging role uses the AWS managed policy made for it.",
            finding="Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
        )
        if config.domain_name and config.certificate_arn:
            self.domain = self.rest_api.add_domain_name(
                "Domain",
                domain_name=config.domain_name,
                certificate=acm.Certificate.from_certificate_arn(self, "Certificate", config.certificate_arn),
                security_policy=apigateway.SecurityPolicy.TLS_1_2,
            )

    def _shape_gateway_errors(self) -> None:
        """Errors API Gateway answers itself carry the API's error envelope, not its own
        ``{"message": …}``; an unknown route is a 404, not REST APIs' 403 (``infra.gateway_errors``,
        which the local front answers with too)."""
        for construct_id, gateway_error in GATEWAY_ERRORS.items():
            self.rest_api.add_gateway_response(
                construct_id,
                type=apigateway.ResponseType.of(gateway_error.response_type),
                status_code=None if gateway_error.status is None else str(gateway_error.status),
                templates={"application/json": gateway_error.template},
                response_headers={header: f"'{value}'" for header, value in gateway_error.headers.items()} or None,
            )

    def _protect(self, config: StageConfig) -> None:
        if config.firewall_requests_per_ip is None:
            nag.acknowledge(
                self.rest_api,
                "APIG3",
                f"The {config.name} stage runs without the firewall to save its cost; prod has one.",
            )
            return
        visibility = wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True, metric_name=f"vidscope-{config.name}", sampled_requests_enabled=True
        )

        def managed(priority: int, name: str) -> wafv2.CfnWebACL.RuleProperty:
            return wafv2.CfnWebACL.RuleProperty(
                name=name,
                priority=priority,
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS", name=name
                    )
                ),
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                visibility_config=visibility,
            )

        # Only rules that cannot reject a well-formed request: the common rule set, for one,
        # blocks bodies holding URLs with IP addresses, which job URLs may be.
        acl = wafv2.CfnWebACL(
            self,
            "Firewall",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=visibility,
            rules=[
                wafv2.CfnWebACL.RuleProperty(
                    name="RequestsPerIp",
                    priority=0,
                    statement=wafv2.CfnWebACL.StatementProperty(
                        rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                            limit=config.firewall_requests_per_ip, aggregate_key_type="IP"
                        )
                    ),
                    action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                    visibility_config=visibility,
                ),
                managed(1, "AWSManagedRulesAmazonIpReputationList"),
                managed(2, "AWSManagedRulesKnownBadInputsRuleSet"),
            ],
        )
        wafv2.CfnWebACLAssociation(
            self, "FirewallAssociation", resource_arn=self.rest_api.deployment_stage.stage_arn, web_acl_arn=acl.attr_arn
        )


def _path_parameters(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]
