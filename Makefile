# Two commands: `make run` (the demo on http://127.0.0.1:8000) and `make test`.
# Extra pytest arguments: make test PYTEST_ARGS="-k providers -x"
# The suite runs in two pytest-xdist workers, a file at a time (about 6 minutes against 10 in
# one process on a 2-CPU machine). PYTEST_WORKERS=0 runs it in one process.

PYTHON_VENV := .venv/bin/python
PYTEST_ARGS ?=
PYTEST_WORKERS ?= 2

.PHONY: run test venv bench load

venv:
	./scripts/ensure-venv

run: venv
	DEBUG=1 $(PYTHON_VENV) manage.py migrate --noinput
	DEBUG=1 $(PYTHON_VENV) manage.py seed_demo
	DEBUG=1 $(PYTHON_VENV) manage.py runserver 127.0.0.1:8000

test:
	./scripts/ensure-test-deps
	.venv/bin/pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# National-scale timings into bench/RESULTS.md (PostgreSQL on 127.0.0.1; not part of make test).
bench: venv
	./scripts/bench

# 20 officers for 60 s against gunicorn + PostgreSQL + Celery on Redis, into bench/LOAD.md
# (loopback only; locust from requirements-bench.txt; not part of make test or CI).
load: venv
	./scripts/load
