"""Each function deploys from its role's image (vidscope.functions ImageRole): one Docker asset per
role, built from the Lambda Dockerfile with the role as its build argument, so the API functions'
image installs only the API extra. tests/unit/test_dependency_roles.py proves what each role's
install holds."""

from __future__ import annotations

import json
from typing import Any

from tests.infra.conftest import Synthesized
from vidscope.functions import ALL_FUNCTIONS, CONTAINERS, ImageRole


def _docker_assets(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    [manifest] = synthesized.assembly.glob(f"{synthesized.stack.artifact_id}.assets.json")
    return {digest: image["source"] for digest, image in json.loads(manifest.read_text())["dockerImages"].items()}


def test_every_function_runs_from_its_roles_image(prod: Synthesized) -> None:
    assets = _docker_assets(prod)
    functions = prod.template.find_resources("AWS::Lambda::Function")
    role_of_image: dict[str, str] = {}
    for spec in ALL_FUNCTIONS:
        [properties] = [
            r["Properties"]
            for r in functions.values()
            if r["Properties"].get("ImageConfig", {}).get("Command") == [f"{spec.module}.lambda_handler"]
        ]
        uri = properties["Code"]["ImageUri"]["Fn::Sub"]
        digest = uri.rsplit(":", 1)[1]
        source = assets[digest]
        assert source["dockerFile"] == "functions/lambda.Dockerfile", spec.name
        assert source["dockerBuildArgs"] == {"ROLE": spec.image.value}, spec.name
        role_of_image.setdefault(digest, spec.image.value)
        assert role_of_image[digest] == spec.image.value  # no two roles share an image
    lambda_roles = {spec.image for spec in ALL_FUNCTIONS}
    # The containers have Dockerfiles of their own.
    assert len(role_of_image) == len(lambda_roles) == len(ImageRole) - len(CONTAINERS)
    assert not {c.image for c in CONTAINERS} & lambda_roles
