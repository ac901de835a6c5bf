# One image per role of vidscope.functions (ImageRole): the core package plus the role's extra
# only, so an API function's image holds no CDK, media or ML code. Each function sets its own
# handler (CMD) from the function list. Built by `cdk deploy` (a Docker image asset per role,
# infra/lambdas.py), never at synth. tests/unit/test_dependency_roles.py reads the install line.

# libchromaprint, which the fingerprint capability prints sound with (pyacoustid's ctypes
# binding): Amazon Linux 2023 has no package of it, so this stage builds it from its release
# source, pinned by sha256 (functions/chromaprint_library.py; tests/infra/test_chromaprint_image.py
# builds the same bytes with the same script and prints through it).
FROM public.ecr.aws/lambda/python:3.12 AS chromaprint
RUN dnf install -y gcc-c++ cmake make && dnf clean all
COPY functions/chromaprint_library.py /tmp/
RUN python /tmp/chromaprint_library.py /tmp/chromaprint

FROM public.ecr.aws/lambda/python:3.12
ARG ROLE=api
COPY pyproject.toml README.md /tmp/vidscope/
COPY layers /tmp/vidscope/layers
RUN pip install --no-cache-dir "/tmp/vidscope[${ROLE}]" && rm -rf /tmp/vidscope
# The library (~110 KB, on the loader's default path) in every role's image; the analysis image's
# build fails here unless pyacoustid's binding loads it (with the C++ runtime it links).
COPY --from=chromaprint /tmp/chromaprint/ /usr/lib64/
RUN if [ "${ROLE}" = analysis ]; then \
      dnf install -y libstdc++ && dnf clean all && python -c "import chromaprint; chromaprint.Fingerprinter()"; \
    fi
COPY functions ${LAMBDA_TASK_ROOT}/functions
# Cold starts read bytecode, not source (about 3x faster imports).
RUN python -m compileall -q ${LAMBDA_TASK_ROOT} /var/lang/lib/python3.12/site-packages
