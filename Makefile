# The two commands of the README:
#   make book   run the main job: the digits demo, the smoke profile of every notebook (embedded
#               digits, CPU) and the book built from them; prints where the HTML is
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
	$(PY) -m hashlib_core reproduce --profile smoke --jobs 2 --device cpu
	$(PY) -m hashlib_core book --profile smoke

test:
	@scripts/setup-env.sh --browser
	$(PY) -m pytest -q -m "not gpu" $(PYTEST_ARGS)

reproduce: env
	$(PY) -m hashlib_core reproduce --profile $(PROFILE) --jobs $(JOBS)

bench: env
	$(PY) benchmarks/bench_eval.py
	$(PY) benchmarks/bench_train.py
	$(PY) benchmarks/bench_conv.py

clean:
	rm -rf book/_build artifacts
