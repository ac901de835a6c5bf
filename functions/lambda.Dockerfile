# One image for every Python Lambda of vidscope.functions; each function sets its own handler
# (CMD) from the function list. Built by `cdk deploy` (a Docker image asset), never at synth.
FROM public.ecr.aws/lambda/python:3.12
COPY pyproject.toml README.md /tmp/vidscope/
COPY layers /tmp/vidscope/layers
RUN pip install --no-cache-dir /tmp/vidscope && rm -rf /tmp/vidscope
COPY functions ${LAMBDA_TASK_ROOT}/functions
# Cold starts read bytecode, not source (about 3x faster imports).
RUN python -m compileall -q ${LAMBDA_TASK_ROOT} /var/lang/lib/python3.12/site-packages
