"""The public API: an API Gateway REST API routing each /v1 route of the function list to its
own function (so each keeps least privilege), with X-Ray, JSON access logs, stage throttling as
a second line behind the app's per-key limits, and an optional custom domain."""

from __future__ import annotations

from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.config import StageConfig
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
        if config.domain_name and config.certificate_arn:
            domain = self.rest_api.add_domain_name(
                "Domain",
                domain_name=config.domain_name,
                certificate=acm.Certificate.from_certificate_arn(self, "Certificate", config.certificate_arn),
                security_policy=apigateway.SecurityPolicy.TLS_1_2,
            )
            self.domain = domain


def _path_parameters(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]
