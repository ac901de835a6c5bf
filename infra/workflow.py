"""The job pipeline: the state machine from ``state_machines/job_pipeline.asl.json`` (loaded by
path, substitutions from ``infra.workflow_definition``), its stage functions, and the grants it
needs to invoke them and to run the media stages' container tasks."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra import nag, workflow_definition
from infra.grants import Resources, grant
from infra.lambdas import FunctionFactory
from infra.transcriber import Transcriber
from infra.vision import Vision
from vidscope.functions import TRANSCRIBER, VISION, WORKFLOW_FUNCTIONS


class Workflow(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        resources: Resources,
        factory: FunctionFactory,
        transcriber: Transcriber,
        vision: Vision,
    ) -> None:
        super().__init__(scope, construct_id)
        functions = {spec.name: factory.build(spec) for spec in WORKFLOW_FUNCTIONS}
        for spec in WORKFLOW_FUNCTIONS:
            grant(functions[spec.name], spec.access, resources)
        self.substitutions = workflow_definition.substitutions(
            {name: f.function_arn for name, f in functions.items()},
            {TRANSCRIBER.name: transcriber.placement, VISION.name: vision.placement},
        )
        self.state_machine = sfn.StateMachine(
            self,
            "Pipeline",
            # Named, so that cancel_job's StopExecution grant can name this machine's executions.
            state_machine_name=name,
            definition_body=sfn.DefinitionBody.from_file(str(workflow_definition.ASL_PATH)),
            definition_substitutions=self.substitutions,
            state_machine_type=sfn.StateMachineType.STANDARD,
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=logs.LogGroup(self, "PipelineLogs", retention=logs.RetentionDays.THREE_MONTHS),
                # Every transition, without the data (which holds customer content).
                level=sfn.LogLevel.ALL,
                include_execution_data=False,
            ),
        )
        role = self.state_machine.role
        # The ASL calls each function by its unqualified ARN: no version or alias grant needed.
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"], resources=[f.function_arn for f in functions.values()]
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["ecs:RunTask"],
                resources=[task.task_definition.task_definition_arn for task in (transcriber, vision)],
                conditions={"ArnEquals": {"ecs:cluster": transcriber.cluster.cluster_arn}},
            )
        )
        # No ecs:StopTask or DescribeTasks: Step Functions calls them only for runTask.sync. A
        # waitForTaskToken task is never stopped by Step Functions, on a timeout or a cancel; its
        # worker stops itself when its heartbeat is refused (vidscope.pipeline.transcription_worker).
        nag.acknowledge_unscoped_actions(role)
        for task in (transcriber, vision):
            task.task_definition.task_role.grant_pass_role(role)
            task.task_definition.obtain_execution_role().grant_pass_role(role)
