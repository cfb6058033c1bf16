"""The production stack (docker-compose.yml, Dockerfile) is checked statically: no Docker here.

Each check is something an operator relies on when running ``docker compose up``.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from .configuration import (
    COMPOSE_FILE,
    DOCKERFILE,
    PROJECT_ROOT,
    readme_settings_table,
    settings_variables,
)

APP_SERVICES = ("web", "worker", "beat")
INTERPOLATION = re.compile(r"\$\{([A-Z][A-Z0-9_]*)(?::?[-?][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def _command(service: dict) -> list[str]:
    command = service.get("command", [])
    return command.split() if isinstance(command, str) else list(command)


def _environment(service: dict) -> dict[str, str]:
    environment = service.get("environment", {})
    if isinstance(environment, list):
        return dict(item.split("=", 1) for item in environment)
    return {key: str(value) for key, value in environment.items()}


def _named_volume_mounts(service: dict) -> dict[str, str]:
    """target path -> named volume."""
    mounts = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2] if isinstance(volume, str) else (volume["source"], volume["target"])
        if not source.startswith((".", "/", "~")):
            mounts[target] = source
    return mounts


def _image_major(image: str) -> int:
    tag = image.split(":", 1)[1] if ":" in image else ""
    match = re.match(r"(\d+)", tag)
    assert match, f"image {image!r} should pin a major version"
    return int(match.group(1))


def test_the_five_services_exist(services):
    assert {"db", "redis", "web", "worker", "beat"} <= set(services)


def test_web_runs_gunicorn_with_the_projects_wsgi_application(services):
    command = _command(services["web"])
    assert command[0] == "gunicorn"
    module = next(arg for arg in command[1:] if not arg.startswith("-") and "wsgi" in arg)
    module_name = module.split(":")[0]
    assert f"{module_name}.application" == settings.WSGI_APPLICATION
    spec = importlib.util.find_spec(module_name)
    assert spec and spec.origin, f"{module_name} does not exist"
    assigned = {
        target.id
        for node in ast.walk(ast.parse(Path(spec.origin).read_text()))
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert "application" in assigned
    assert "0.0.0.0:8000" in command, "gunicorn must listen on the container's port 8000"


@pytest.mark.parametrize("service, subcommand", [("worker", "worker"), ("beat", "beat")])
def test_worker_and_beat_run_celery_with_the_projects_app(services, service, subcommand):
    command = _command(services[service])
    assert command[0] == "celery"
    assert command[command.index("-A") + 1] == "pcc_commissioning"
    assert subcommand in command
    assert hasattr(importlib.import_module("pcc_commissioning"), "celery_app")


def test_beat_keeps_its_schedule_in_a_writable_volume(services):
    command = _command(services["beat"])
    flag = "--schedule" if "--schedule" in command else "-s"
    schedule = command[command.index(flag) + 1]
    mounts = _named_volume_mounts(services["beat"])
    assert any(schedule.startswith(target + "/") for target in mounts), (schedule, mounts)


def test_database_is_postgresql_15_or_later_and_redis_is_7(services):
    assert services["db"]["image"].startswith("postgres:")
    assert _image_major(services["db"]["image"]) >= 15
    assert services["redis"]["image"].startswith("redis:")
    assert _image_major(services["redis"]["image"]) == 7


def test_db_redis_and_web_have_health_checks(services):
    db_check = " ".join(services["db"]["healthcheck"]["test"])
    redis_check = " ".join(services["redis"]["healthcheck"]["test"])
    web_check = services["web"]["healthcheck"]["test"]
    assert "pg_isready" in db_check
    assert "redis-cli ping" in redis_check
    # The web check runs a script from the repository that asks the app's /health/ page.
    script = next(arg for arg in web_check if arg.startswith("scripts/"))
    assert "/health/" in (PROJECT_ROOT / script).read_text()


def test_web_waits_for_a_healthy_database_and_redis_and_for_migrations(services):
    depends = services["web"]["depends_on"]
    assert depends["db"]["condition"] == "service_healthy"
    assert depends["redis"]["condition"] == "service_healthy"
    migrators = [
        name for name, condition in depends.items() if condition["condition"] == "service_completed_successfully"
    ]
    assert any("migrate" in _command(services[name]) for name in migrators), (
        "web must start after a one-shot service that runs manage.py migrate"
    )


def _published_host_addresses(service: dict) -> list[str]:
    """The host address of each published port ("" when it is published on every interface)."""
    addresses = []
    for port in service.get("ports", []):
        if isinstance(port, dict):
            addresses.append(str(port.get("host_ip", "")))
            continue
        parts = INTERPOLATION.sub("VARIABLE", str(port)).split(":")  # ${WEB_PORT:-8000} has a colon
        addresses.append(":".join(parts[:-2]) if len(parts) > 2 else "")
    return addresses


def test_the_published_port_parser_reads_the_host_address():
    assert _published_host_addresses({"ports": ["8000:8000", "127.0.0.1:${P:-80}:80", {"host_ip": "::1"}]}) == [
        "",
        "127.0.0.1",
        "::1",
    ]


def test_only_web_is_published_and_only_on_the_loopback_interface(services):
    """Django trusts X-Forwarded-For for the client's address, so only the reverse proxy on the
    same host may reach gunicorn: published on every interface, a client could name any address
    it liked and never be locked out."""
    published = {name: _published_host_addresses(service) for name, service in services.items() if "ports" in service}
    assert set(published) == {"web"}
    assert published["web"] and set(published["web"]) == {"127.0.0.1"}
    assert _environment(services["web"])["LOGIN_CLIENT_IP_FROM_X_FORWARDED_FOR"].startswith("${")


def test_database_and_media_live_in_named_volumes(compose, services):
    declared = set(compose.get("volumes") or {})
    db_mounts = _named_volume_mounts(services["db"])
    assert db_mounts.get("/var/lib/postgresql/data") in declared
    media_root = _environment(services["web"])["MEDIA_ROOT"]
    assert _named_volume_mounts(services["web"]).get(media_root) in declared
    assert _named_volume_mounts(services["worker"]).get(media_root) in declared, (
        "the worker writes generated reports to MEDIA_ROOT too"
    )


@pytest.mark.parametrize("service", APP_SERVICES + ("migrate",))
def test_app_services_set_only_variables_the_settings_read(services, service):
    unknown = set(_environment(services[service])) - settings_variables()
    assert not unknown, f"{service} sets variables settings.py never reads: {sorted(unknown)}"


@pytest.mark.parametrize("service", APP_SERVICES + ("migrate",))
def test_app_services_run_in_production_mode_against_the_compose_database_and_redis(services, service):
    environment = _environment(services[service])
    assert environment["DEBUG"] == "0"
    assert re.fullmatch(r"postgres://[^@]+@db:5432/\w+", environment["DATABASE_URL"])
    assert environment["CELERY_BROKER_URL"].startswith("redis://redis:6379/")
    # Secrets are required, never defaulted.
    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert "${POSTGRES_PASSWORD:?" in environment["DATABASE_URL"]


def test_database_password_is_required(services):
    assert _environment(services["db"])["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


def test_every_compose_variable_is_in_the_env_example():
    used = set(INTERPOLATION.findall(COMPOSE_FILE.read_text()))
    example = {
        line.split("=", 1)[0]
        for line in (PROJECT_ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert used, "no ${VARIABLE} found in docker-compose.yml: the pattern is wrong"
    assert used <= example, f"missing from .env.example: {sorted(used - example)}"


def test_readme_configuration_table_lists_exactly_the_variables_settings_read():
    documented = readme_settings_table()
    assert len(documented) == len(set(documented)), "a variable is listed twice"
    read = settings_variables()
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL"} <= read  # the parser finds them
    assert set(documented) == read, (
        f"undocumented: {sorted(read - set(documented))}; documented but not read: {sorted(set(documented) - read)}"
    )


def test_settings_variable_parser_finds_every_way_of_reading_the_environment():
    source = (
        "import os\n"
        "A = env('A')\nB = env.bool('B', default=False)\nC = env.db('C')\n"
        "D = os.environ.get('D')\nE = os.getenv('E')\nF = os.environ['F']\n"
        "G = other('G')\n"
    )
    assert settings_variables(source) == {"A", "B", "C", "D", "E", "F"}


def _dockerfile_instruction(name: str) -> list[str]:
    lines = DOCKERFILE.read_text().replace("\\\n", " ").splitlines()
    return [line.split(None, 1)[1] for line in lines if line.split(None, 1)[:1] == [name]]


def test_dockerfile_builds_on_python_311_and_runs_gunicorn_as_a_non_root_user():
    assert _dockerfile_instruction("FROM") == ["python:3.11-slim-bookworm"]
    command = json.loads(_dockerfile_instruction("CMD")[-1])
    assert command[:2] == ["gunicorn", "pcc_commissioning.wsgi"]
    user = _dockerfile_instruction("USER")[-1].strip()
    assert user not in {"root", "0"}
    runs = " ".join(_dockerfile_instruction("RUN"))
    assert "collectstatic" in runs
    for library in ("libpango-1.0-0", "libpangoft2-1.0-0"):  # WeasyPrint
        assert library in runs
