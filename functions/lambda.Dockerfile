# One image per role of vidscope.functions (ImageRole): the core package plus the role's extra
# only, so an API function's image holds no CDK, media or ML code. Each function sets its own
# handler (CMD) from the function list. Built by `cdk deploy` (a Docker image asset per role,
# infra/lambdas.py), never at synth. tests/unit/test_dependency_roles.py reads the install line.
FROM public.ecr.aws/lambda/python:3.12
ARG ROLE=api
COPY pyproject.toml README.md /tmp/vidscope/
COPY layers /tmp/vidscope/layers
RUN pip install --no-cache-dir "/tmp/vidscope[${ROLE}]" && rm -rf /tmp/vidscope
COPY functions ${LAMBDA_TASK_ROOT}/functions
# Cold starts read bytecode, not source (about 3x faster imports).
RUN python -m compileall -q ${LAMBDA_TASK_ROOT} /var/lang/lib/python3.12/site-packages
