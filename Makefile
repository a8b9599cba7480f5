# The two commands of the README:
#   make book   run the main job (smoke profile on the embedded data) and build the book
#   make test   run the test suite
# Both create or reuse .venv and install everything they need.
PY := .venv/bin/python
PROFILE ?= smoke
JOBS ?= 1

.PHONY: env demo book test reproduce bench clean

env:
	@scripts/setup-env.sh

demo: env
	$(PY) -m hashlib_core demo

book: env
	$(PY) -m hashlib_core demo

test:
	@scripts/setup-env.sh --browser
	$(PY) -m pytest -q -m "not gpu" $(PYTEST_ARGS)

reproduce: env
	$(PY) -m hashlib_core reproduce --profile $(PROFILE) --jobs $(JOBS)

bench: env
	$(PY) benchmarks/bench_eval.py

clean:
	rm -rf book/_build artifacts
