"""The ASL file is the single source of truth for the workflow; these keep it consistent with
the code that runs it and the substitutions that deploy it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from infra import workflow_definition
from vidscope.functions import CONTAINERS, WORKFLOW_FUNCTIONS
from vidscope.pipeline import errors as pipeline_errors

# Error names AWS defines (Step Functions and its service integrations), not our code.
AWS_ERROR_PREFIXES = ("States.", "Lambda.", "ECS.")

# The one Retry of each kind of Task, written once here so that a block copied into a new state
# (or edited in one state only) cannot drift from the others. A rule's Comment is documentation
# and is left out of the comparison.
STAGE_FUNCTION_RETRY = [
    {
        "ErrorEquals": [
            "TransientStageError",
            "Lambda.ServiceException",
            "Lambda.TooManyRequestsException",
            "Lambda.SdkClientException",
        ],
        "IntervalSeconds": 2,
        "MaxAttempts": 3,
        "BackoffRate": 2,
        "JitterStrategy": "FULL",
    }
]
# The failure path itself retries everything, longer: nothing catches after it.
FAILURE_PATH = "MarkFailed"
FAILURE_PATH_RETRY = [
    {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "MaxAttempts": 5, "BackoffRate": 2, "JitterStrategy": "FULL"}
]
WORKER_TASK = "arn:aws:states:::ecs:runTask.waitForTaskToken"
# A dead worker (no beat) gets one more task; a task out of its time budget (the worker's own
# TaskOutOfTime, or Step Functions' backstop States.Timeout) does not: DESIGN §7.
WORKER_RETRY = [
    {
        "ErrorEquals": ["States.HeartbeatTimeout", "TransientStageError", "ECS.AmazonECSException"],
        "IntervalSeconds": 1,
        "MaxAttempts": 1,
        "BackoffRate": 2,
    }
]


# A Catch that is routing, not failure: the analysis function refuses a capability that encodes
# video under this name, and the item goes on to the render function (vidscope.pipeline.errors).
HANDOFFS = [{"ErrorEquals": ["RunsOnRenderFunction"], "ResultPath": None, "Next": "RunRender"}]


def _catch_all(target: str) -> list[dict[str, Any]]:
    """The one catch-all: States.ALL does not match States.DataLimitExceeded, so both, to one state."""
    return [
        {"ErrorEquals": ["States.DataLimitExceeded"], "ResultPath": "$.failure", "Next": target},
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": target},
    ]


def _without_comments(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{key: value for key, value in rule.items() if key != "Comment"} for rule in rules]


def _definition() -> dict[str, Any]:
    definition: dict[str, Any] = json.loads(workflow_definition.ASL_PATH.read_text())
    return definition


def _state_maps(machine: dict[str, Any]) -> Iterator[dict[str, dict[str, Any]]]:
    yield machine["States"]
    for state in machine["States"].values():
        if "ItemProcessor" in state:
            yield from _state_maps(state["ItemProcessor"])
        for branch in state.get("Branches", []):
            yield from _state_maps(branch)


def test_the_definition_is_json_with_a_valid_start() -> None:
    definition = _definition()
    for states in _state_maps(definition):
        assert states
    assert definition["StartAt"] in definition["States"]


def test_every_transition_target_exists_in_its_scope() -> None:
    for machine in [
        _definition(),
        *(s["ItemProcessor"] for s in _definition()["States"].values() if "ItemProcessor" in s),
    ]:
        states = machine["States"]
        assert machine["StartAt"] in states
        for name, state in states.items():
            targets = [state.get("Next"), state.get("Default")]
            targets += [c["Next"] for c in state.get("Choices", [])]
            targets += [c["Next"] for c in state.get("Catch", [])]
            for target in filter(None, targets):
                assert target in states, f"{name} -> {target}"
            ends = state.get("End") or state["Type"] in ("Succeed", "Fail", "Choice")
            assert ends or state.get("Next"), f"{name} neither ends nor goes anywhere"


def test_every_error_name_is_an_exception_class_of_the_code_or_an_aws_name() -> None:
    names = set()
    for states in _state_maps(_definition()):
        for state in states.values():
            for rule in state.get("Retry", []) + state.get("Catch", []):
                names.update(rule["ErrorEquals"])
    ours = {n for n in names if not n.startswith(AWS_ERROR_PREFIXES)}
    assert ours, "the definition should retry our own transient errors"
    for name in ours:
        cls = getattr(pipeline_errors, name, None)
        assert isinstance(cls, type) and issubclass(cls, Exception), name


def test_the_placeholders_are_exactly_what_the_deployers_substitute() -> None:
    arns = {spec.name: f"arn:{spec.name}" for spec in WORKFLOW_FUNCTIONS}
    placements = {
        c.name: workflow_definition.Placement(
            "arn:cluster", f"arn:{c.name}", tuple(f"subnet-{n}" for n, _ in enumerate(c.subnet_placeholders)), "sg"
        )
        for c in CONTAINERS
    }
    values = workflow_definition.substitutions(arns, placements)
    assert workflow_definition.placeholders() == set(values)
    rendered = workflow_definition.render(values)
    assert "${" not in rendered
    json.loads(rendered)


def test_every_task_retries_and_every_stage_failure_is_caught() -> None:
    top = _definition()["States"]
    for name, state in top.items():
        if state["Type"] in ("Task", "Map") and name != "MarkFailed":
            assert any(c["Next"] == "MarkFailed" and c["ErrorEquals"] == ["States.ALL"] for c in state["Catch"]), name
        if state["Type"] == "Task":
            assert state["Retry"], name


def test_every_catch_all_also_names_data_limit_exceeded_which_states_all_does_not_catch() -> None:
    # AWS: States.ALL does not match States.DataLimitExceeded; a payload over the state quota
    # would end the execution without the failure path (job left processing, credits held).
    for states in _state_maps(_definition()):
        for name, state in states.items():
            catchers = state.get("Catch", [])
            targets = [c["Next"] for c in catchers if c["ErrorEquals"] == ["States.ALL"]]
            for target in targets:
                assert {"ErrorEquals": ["States.DataLimitExceeded"], "ResultPath": "$.failure", "Next": target} in (
                    catchers
                ), name


# Merging alone may send a job back to compute: the job whose results it reused was deleted first.
REUSE_LOST_CATCH = {"ErrorEquals": ["ReuseLost"], "ResultPath": "$.reuse_lost", "Next": "ComputeInstead"}


def test_a_lost_reuse_computes_the_plan_kept_by_ingestion() -> None:
    top = _definition()["States"]
    assert top["Merge"]["Catch"][0] == REUSE_LOST_CATCH
    assert top["ComputeInstead"] == {
        "Type": "Pass",
        "Comment": top["ComputeInstead"]["Comment"],
        "InputPath": "$.media.fallback",
        "ResultPath": "$.media",
        "Next": "ProcessMedia",
    }
    assert top["Analyze"]["ItemsPath"] == "$.media.analyses"  # ingestion's: none when reused


def test_every_task_has_the_one_retry_and_catch_of_its_kind() -> None:
    functions = {f"${{{spec.placeholder}}}" for spec in WORKFLOW_FUNCTIONS if spec.placeholder}
    definition = _definition()
    top = definition["States"]
    checked = set()
    for states in _state_maps(definition):
        for name, state in states.items():
            catchers = [c for c in state.get("Catch", []) if not (name == "Merge" and c == REUSE_LOST_CATCH)]
            if any("States.ALL" in rule["ErrorEquals"] for rule in catchers):
                handoffs = [rule for rule in catchers if rule in HANDOFFS]
                assert catchers == handoffs + _catch_all(catchers[-1]["Next"]), name
            if state["Type"] != "Task":
                continue
            retry = _without_comments(state.get("Retry", []))
            if state["Resource"] == WORKER_TASK:
                # A worker's other failures reach the catch-all of the Map around it.
                assert retry == WORKER_RETRY, name
            elif state["Resource"] in functions and name == FAILURE_PATH:
                assert states is top and retry == FAILURE_PATH_RETRY and not catchers, name
            elif state["Resource"] in functions:
                assert retry == STAGE_FUNCTION_RETRY, name
                assert catchers, f"{name} has no catch-all"
                if states is top:
                    assert catchers[-1]["Next"] == FAILURE_PATH, name
            else:
                raise AssertionError(f"{name}: no canonical Retry for {state['Resource']}; add its kind here")
            checked.add(state["Resource"])
    assert WORKER_TASK in checked and functions <= checked


def _worker_tasks() -> Iterator[tuple[str, dict[str, Any]]]:
    for states in _state_maps(_definition()):
        for name, state in states.items():
            if state.get("Resource") == WORKER_TASK:
                yield name, state


def test_a_task_out_of_its_time_budget_is_never_retried() -> None:
    for states in _state_maps(_definition()):
        for name, state in states.items():
            for rule in state.get("Retry", []):
                listed = set(rule["ErrorEquals"])
                assert not listed & {"TaskOutOfTime", "States.ALL"} or name == FAILURE_PATH, name
                if state.get("Resource") == WORKER_TASK:
                    assert "States.Timeout" not in listed, name


def test_each_worker_gets_its_time_budget_and_step_functions_waits_a_little_longer() -> None:
    tasks = dict(_worker_tasks())
    assert set(tasks) == {"Transcribe", "See"}
    for name, stage in (("Transcribe", "transcription"), ("See", "vision")):
        state = tasks[name]
        [container] = state["Parameters"]["Overrides"]["ContainerOverrides"]
        environment = {e["Name"]: e.get("Value.$") for e in container["Environment"]}
        # The worker stops itself at its budget; the state's timeout is the backstop behind it.
        assert environment["VIDSCOPE_TIME_BUDGET_SECONDS"] == f"States.Format('{{}}', $.time_budgets.{stage})"
        assert state["TimeoutSecondsPath"] == f"$.time_budgets.{stage}_timeout"
    process = _definition()["States"]["ProcessMedia"]
    assert process["ItemSelector"]["time_budgets.$"] == "$.media.time_budgets"
    analysis = _definition()["States"]["Analyze"]["ItemProcessor"]["States"]["RunAnalysis"]
    assert analysis["TimeoutSecondsPath"] == "$.media.time_budgets.analysis"
