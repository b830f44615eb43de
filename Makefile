# hushflow: the two commands in the README are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: install dev run test lint bench clean system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Script tasks run in a bubblewrap sandbox: install bwrap where it is missing
# (apt-get as root; otherwise say what to install). setpriv and prlimit come with util-linux.
system-deps:
	@command -v bwrap >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap; \
	  else echo "install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap)" >&2; exit 1; fi; }

install: system-deps $(BIN)/python
	$(BIN)/pip install --quiet -e .

dev: system-deps $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'

# The main job on the embedded SQLite default: `hushflow server local` starts (in a
# throw-away home), a flow that uses a secret is deployed and run through the REST API,
# its log lines (the secret masked in each) are printed, and the server stops.
# The demo secret is generated for this run.
run: system-deps install
	SECRET_GREETING_TOKEN=$$($(BIN)/python -c "import base64,secrets;print(base64.b64encode(('demo-'+secrets.token_hex(8)).encode()).decode())") \
	  $(BIN)/hushflow server demo examples/hello.yml

# Two test processes: much of the suite waits on real processes, servers and databases.
test: system-deps dev
	$(BIN)/pytest -q -n 2

lint: dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

bench: dev
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b --quick || exit 1; done

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
