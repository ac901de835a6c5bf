"""Alarms and a dashboard for what pages someone: API 5xx rate, failed executions, parked
webhooks and events (DLQ depth), and the webhook failure rate the dispatcher reports."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.config import StageConfig
from vidscope.webhooks.dispatcher import METRIC_WEBHOOK_DELIVERED, METRIC_WEBHOOK_FAILED, METRICS_NAMESPACE

_FIVE_MINUTES = cdk.Duration.minutes(5)
_ALARM_ARNS = f"arn:{cdk.Aws.PARTITION}:cloudwatch:{cdk.Aws.REGION}:{cdk.Aws.ACCOUNT_ID}:alarm:*"


class Observability(Construct):
    """Made first, so that other constructs can send their own notifications to ``topic``; the
    alarms and dashboard come with ``watch`` once what they watch exists."""

    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig) -> None:
        super().__init__(scope, construct_id)
        self._stage = config.name
        self.topic = sns.Topic(
            self,
            "Alarms",
            display_name=f"Vidscope {config.name} alarms",
            enforce_ssl=True,
            master_key=self._alarms_key(production=config.production),
        )
        # The topic's own policy (made for enforce_ssl) replaces SNS's default one, which let the
        # account's services publish: CloudWatch alarms of this account are allowed back here.
        # (The GPU group's notifications come with its service-linked role's own sns:Publish.)
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": cdk.Aws.ACCOUNT_ID},
                    "ArnLike": {"aws:SourceArn": _ALARM_ARNS},
                },
            )
        )
        if config.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))

    def _alarms_key(self, *, production: bool) -> kms.Key:
        """The alarm topic's key. A customer-managed one: the AWS-managed aws/sns key's policy
        cannot be changed to let CloudWatch alarms use it, and their notifications would be
        dropped."""
        key = kms.Key(
            self,
            "AlarmsKey",
            description="Encrypts the Vidscope alarm topic's messages",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN if production else cdk.RemovalPolicy.DESTROY,
        )
        # CloudWatch encrypts each alarm notification under the topic's key itself. No
        # aws:SourceArn/SourceAccount condition here: AWS documents the unconditioned grant, and a
        # condition the KMS request does not carry would drop every alarm silently. Who may
        # publish at all is the topic policy's decision.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
            )
        )
        # Every other publisher (the GPU group's scaling-error notifications, sent by Auto
        # Scaling's service-linked role) is let in as the AWS-managed aws/sns key would: callers
        # of this account, through SNS only.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AccountPublishersThroughSns",
                principals=[iam.AnyPrincipal()],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions={
                    "StringEquals": {
                        "kms:CallerAccount": cdk.Aws.ACCOUNT_ID,
                        "kms:ViaService": f"sns.{cdk.Aws.REGION}.amazonaws.com",
                    }
                },
            )
        )
        return key

    def watch(
        self, *, api: apigateway.RestApi, state_machine: sfn.IStateMachine, dead_letter_queues: dict[str, sqs.IQueue]
    ) -> None:
        requests = api.metric_count(period=_FIVE_MINUTES, statistic="Sum")
        errors = api.metric_server_error(period=_FIVE_MINUTES, statistic="Sum")
        error_rate = cloudwatch.MathExpression(
            expression="100 * errors / MAX([requests, 1])",
            using_metrics={"errors": errors, "requests": requests},
            label="API 5xx %",
            period=_FIVE_MINUTES,
        )
        delivered = cloudwatch.Metric(
            namespace=METRICS_NAMESPACE, metric_name=METRIC_WEBHOOK_DELIVERED, dimensions_map={"service": "vidscope"},
            statistic="Sum", period=_FIVE_MINUTES,
        )  # fmt: skip
        failed = cloudwatch.Metric(
            namespace=METRICS_NAMESPACE, metric_name=METRIC_WEBHOOK_FAILED, dimensions_map={"service": "vidscope"},
            statistic="Sum", period=_FIVE_MINUTES,
        )  # fmt: skip
        webhook_failure_rate = cloudwatch.MathExpression(
            expression="100 * failed / MAX([failed + delivered, 1])",
            using_metrics={"failed": failed, "delivered": delivered},
            label="Webhook attempts failed %",
            period=_FIVE_MINUTES,
        )
        self.alarms = [
            error_rate.create_alarm(
                self, "Api5xxRate", alarm_description="More than 1% of API requests answered 5xx",
                threshold=1, evaluation_periods=2, treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            ),
            state_machine.metric_failed(period=_FIVE_MINUTES).create_alarm(
                self, "FailedExecutions", alarm_description="A job pipeline execution failed",
                threshold=1, evaluation_periods=1, treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            ),
            webhook_failure_rate.create_alarm(
                self, "WebhookFailureRate", alarm_description="More than 25% of webhook attempts failed",
                threshold=25, evaluation_periods=3, treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            ),
        ]  # fmt: skip
        for name, queue in dead_letter_queues.items():
            self.alarms.append(
                queue.metric_approximate_number_of_messages_visible(period=_FIVE_MINUTES).create_alarm(
                    self, f"{name}Depth", alarm_description=f"Messages are waiting in {name} for ops to redrive",
                    threshold=1, evaluation_periods=1, treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                )
            )  # fmt: skip
        for alarm in self.alarms:
            alarm.add_alarm_action(actions.SnsAction(self.topic))
        dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=f"vidscope-{self._stage}")
        dashboard.add_widgets(
            cloudwatch.GraphWidget(title="API requests and 5xx", left=[requests, errors], right=[error_rate]),
            cloudwatch.GraphWidget(
                title="Pipeline executions",
                left=[
                    state_machine.metric_succeeded(period=_FIVE_MINUTES),
                    state_machine.metric_failed(period=_FIVE_MINUTES),
                ],
            ),
            cloudwatch.GraphWidget(title="Webhook attempts", left=[delivered, failed], right=[webhook_failure_rate]),
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=self.alarms),
        )
