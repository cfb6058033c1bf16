# Two commands: `make run` (the demo on http://127.0.0.1:8000) and `make test`.
# Extra pytest arguments: make test PYTEST_ARGS="-k providers -x"
# The suite runs in one process (PYTEST_WORKERS=0): pytest-django runs the transactional tests
# (browser, real worker) last, because they empty every table, the roles and code lists the
# migrations seed included. In xdist workers (PYTEST_WORKERS=2, about 6 minutes against 10 on
# SQLite) a worker may run them before other files, which then fail: not safe yet.

PYTHON_VENV := .venv/bin/python
PYTEST_ARGS ?=
PYTEST_WORKERS ?= 0
# make run PORT=8001 when 8000 is taken.
PORT ?= 8000
# make mutate MODULES="reports/transparency/threesixty.py": a subset of scripts/mutate's TARGETS.
MODULES ?=
MUTATE_ARGS ?=

.PHONY: run test venv lint format bench load mutate

venv:
	./scripts/ensure-venv

run: venv
	DEBUG=1 $(PYTHON_VENV) manage.py migrate --noinput
	DEBUG=1 $(PYTHON_VENV) manage.py seed_demo
	DEBUG=1 $(PYTHON_VENV) manage.py runserver 127.0.0.1:$(PORT)

test:
	./scripts/ensure-test-deps
	.venv/bin/pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The layer contract (.importlinter) and ruff's lint and format checks (ruff.toml), as CI runs them.
# `make format` rewrites the code into ruff's format.
lint: venv
	DEBUG=1 .venv/bin/lint-imports --no-cache
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: venv
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

# National-scale timings into bench/RESULTS.md (PostgreSQL on 127.0.0.1; not part of make test).
bench: venv
	./scripts/bench

# 20 officers for 60 s against gunicorn + PostgreSQL + Celery on Redis, into bench/LOAD.md
# (loopback only; locust from requirements-bench.txt; not part of make test or CI).
load: venv
	./scripts/load

# Mutation testing (scripts/mutate) of the periods, money, MoJ figures and 360Giving modules into docs/mutation.md; slow, not CI, rewrites files: own worktree only.
mutate: venv
	.venv/bin/python scripts/mutate $(if $(MODULES),--modules "$(MODULES)") $(MUTATE_ARGS)
