# Two commands: `make run` (the demo on http://127.0.0.1:8000) and `make test`.
# Extra pytest arguments: make test PYTEST_ARGS="-k providers -x"
# The suite runs in one process: pytest-xdist (-n auto) was slower on a 2-CPU machine
# (about 70 s against 50 s), as each worker migrates its own test database.

PYTHON_VENV := .venv/bin/python
PYTEST_ARGS ?=

.PHONY: run test venv bench load

venv:
	./scripts/ensure-venv

run: venv
	DEBUG=1 $(PYTHON_VENV) manage.py migrate --noinput
	DEBUG=1 $(PYTHON_VENV) manage.py seed_demo
	DEBUG=1 $(PYTHON_VENV) manage.py runserver 127.0.0.1:8000

test:
	./scripts/ensure-test-deps
	.venv/bin/pytest $(PYTEST_ARGS)

# National-scale timings into bench/RESULTS.md (PostgreSQL on 127.0.0.1; not part of make test).
bench: venv
	./scripts/bench

# 20 officers for 60 s against gunicorn + PostgreSQL + Celery on Redis, into bench/LOAD.md
# (loopback only; locust from requirements-bench.txt; not part of make test or CI).
load: venv
	./scripts/load
