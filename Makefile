# Two commands do all the set-up (README): `make demo` and `make test`.
# Both create .venv, install the Python packages, and install the system libraries OpenCV
# needs when run as root (as CI does); otherwise they print the exact command to run.

PYTHON ?= $(shell for p in python3.12 python3.11 python3.10 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(not (3,10) <= sys.version_info[:2] <= (3,12))' \
	&& { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# fonts-dejavu-core: the live screen's font (matplotlib's copy is the fallback); openbox: a window
# manager, so the window tests check full screen with one as well as without (a kiosk, Xvfb).
SYSTEM_PACKAGES := libgl1 libglib2.0-0 espeak-ng libportaudio2 xvfb chromium fonts-dejavu-core openbox
DEMO_OUT ?= demo-output

.PHONY: install system-deps demo test lint typecheck pytest samples eval bench clean

install: system-deps $(STAMP)

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: Python 3.10-3.12 is needed (mediapipe 0.10.21 supports no other); install one, e.g. apt-get install python3.11-venv" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done 2>/dev/null; \
	if [ -n "$$missing" ] && command -v apt-get >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing system packages:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
		else \
			echo "error: missing system packages; run: sudo apt-get install -y$$missing" >&2; exit 1; \
		fi; \
	fi

demo: install
	$(BIN)/spinesafe review samples/demo_squats.npz --exercise squat --out $(DEMO_OUT)

test: install
	$(BIN)/ruff check spinesafe tests scripts
	$(BIN)/ruff format --check spinesafe tests scripts
	$(BIN)/mypy
	$(BIN)/python -m pytest -q; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: pytest collected no tests" >&2; exit 1; fi; exit $$rc

samples: install
	$(BIN)/python scripts/make_samples.py

eval: install
	$(BIN)/spinesafe eval ../shared/corpus

bench: install
	$(BIN)/python scripts/bench_stages.py

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache .mypy_cache .ruff_cache
