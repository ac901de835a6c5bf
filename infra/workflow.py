"""The job pipeline: the state machine from ``state_machines/job_pipeline.asl.json`` (loaded by
path, substitutions from ``infra.workflow_definition``), its stage functions, and the grants it
needs to invoke them and to run and stop the transcription task."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra import workflow_definition
from infra.grants import Resources, grant
from infra.lambdas import FunctionFactory
from infra.transcriber import Transcriber
from vidscope.functions import WORKFLOW_FUNCTIONS


class Workflow(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        resources: Resources,
        factory: FunctionFactory,
        transcriber: Transcriber,
    ) -> None:
        super().__init__(scope, construct_id)
        functions = {spec.name: factory.build(spec) for spec in WORKFLOW_FUNCTIONS}
        for spec in WORKFLOW_FUNCTIONS:
            grant(functions[spec.name], spec.access, resources)
        self.substitutions = workflow_definition.substitutions(
            {name: f.function_arn for name, f in functions.items()},
            cluster_arn=transcriber.cluster.cluster_arn,
            task_definition_arn=transcriber.task_definition.task_definition_arn,
            container_name=transcriber.container.container_name,
        )
        self.state_machine = sfn.StateMachine(
            self,
            "Pipeline",
            definition_body=sfn.DefinitionBody.from_file(str(workflow_definition.ASL_PATH)),
            definition_substitutions=self.substitutions,
            state_machine_type=sfn.StateMachineType.STANDARD,
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=logs.LogGroup(self, "PipelineLogs", retention=logs.RetentionDays.THREE_MONTHS),
                level=sfn.LogLevel.ERROR,
            ),
        )
        for function in functions.values():
            function.grant_invoke(self.state_machine)
        role = self.state_machine.role
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["ecs:RunTask"],
                resources=[transcriber.task_definition.task_definition_arn],
                conditions={"ArnEquals": {"ecs:cluster": transcriber.cluster.cluster_arn}},
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["ecs:StopTask", "ecs:DescribeTasks"],
                resources=["*"],
                conditions={"ArnEquals": {"ecs:cluster": transcriber.cluster.cluster_arn}},
            )
        )
        transcriber.task_definition.task_role.grant_pass_role(role)
        transcriber.task_definition.obtain_execution_role().grant_pass_role(role)
