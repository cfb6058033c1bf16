"""Production settings, checked in fresh processes (settings are read once, at start-up)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

import pytest

from .configuration import PROJECT_ROOT, settings_variables

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "commissioning.example.org",
}


def _environment(**overrides: str) -> dict[str, str]:
    """This process's environment without any setting variable, plus ``overrides``."""
    read = settings_variables()
    environment = {key: value for key, value in os.environ.items() if key not in read}
    for name in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        environment.pop(name, None)
    environment.update(overrides)
    return environment


def _run(args: list[str], **overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT_ROOT,
        env=_environment(**overrides),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _settings(*names: str, **overrides: str) -> dict:
    """The values of ``names`` as settings.py computes them under ``overrides``."""
    script = (
        "import json, sys\n"
        "import pcc_commissioning.settings as s\n"
        f"print(json.dumps({{n: getattr(s, n, None) for n in {list(names)!r}}}, default=str))\n"
    )
    result = _run(["-c", script], **overrides)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


DATABASES = ["sqlite"]
if os.environ.get("DATABASE_URL"):
    DATABASES.append("DATABASE_URL")


@pytest.mark.parametrize("database", DATABASES)
def test_check_deploy_passes_with_production_settings(database):
    overrides = dict(PRODUCTION)
    if database == "DATABASE_URL":
        overrides["DATABASE_URL"] = os.environ["DATABASE_URL"]
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **overrides)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_when_a_security_setting_is_turned_off():
    # Proves the check above can fail: HSTS off is a deploy warning.
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        **PRODUCTION,
        SECURE_HSTS_SECONDS="0",
    )
    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr


@pytest.mark.parametrize(
    "overrides",
    [
        {"DEBUG": "0"},
        {"DEBUG": "0", "SECRET_KEY": "development-only-key-never-use-in-production-0123456789abcdef"},
        {},  # DEBUG defaults to off
    ],
    ids=["no-key", "development-key", "debug-unset"],
)
def test_production_refuses_to_start_without_a_real_secret_key(overrides):
    result = _run(["manage.py", "check"], **overrides)
    assert result.returncode != 0
    # One line that says what to set, not a traceback.
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "manage.py: SECRET_KEY must be set when DEBUG is off: the development key is public. "
        "On a development machine, run it with DEBUG=1 (as `make run` does)."
    ]


SECURITY_SETTINGS = {
    # variable: (setting, value when on, value when the variable turns it off)
    "SECURE_SSL_REDIRECT": ("SECURE_SSL_REDIRECT", True, False),
    "SESSION_COOKIE_SECURE": ("SESSION_COOKIE_SECURE", True, False),
    "CSRF_COOKIE_SECURE": ("CSRF_COOKIE_SECURE", True, False),
    "SECURE_HSTS_SECONDS": ("SECURE_HSTS_SECONDS", 31_536_000, 0),
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": ("SECURE_HSTS_INCLUDE_SUBDOMAINS", True, False),
    "SECURE_HSTS_PRELOAD": ("SECURE_HSTS_PRELOAD", True, False),
}


def test_security_settings_are_on_by_default_in_production():
    values = _settings(*(setting for setting, _, _ in SECURITY_SETTINGS.values()), **PRODUCTION)
    assert values == {setting: on for setting, on, _ in SECURITY_SETTINGS.values()}


def test_security_settings_are_off_in_development():
    values = _settings(*(setting for setting, _, _ in SECURITY_SETTINGS.values()), DEBUG="1")
    assert values == {setting: off for setting, _, off in SECURITY_SETTINGS.values()}


@pytest.mark.parametrize("variable", sorted(SECURITY_SETTINGS))
def test_each_security_setting_can_be_overridden_on_its_own(variable):
    setting, on, off = SECURITY_SETTINGS[variable]
    others = [name for name, _, _ in SECURITY_SETTINGS.values() if name != setting]
    values = _settings(setting, *others, **PRODUCTION, **{variable: "0"})
    assert values[setting] == off
    defaults = {name: default for name, default, _ in SECURITY_SETTINGS.values()}
    assert {name: values[name] for name in others} == {name: defaults[name] for name in others}


def test_proxy_https_header_is_trusted_only_when_asked():
    assert _settings("SECURE_PROXY_SSL_HEADER", **PRODUCTION)["SECURE_PROXY_SSL_HEADER"] is None
    trusted = _settings("SECURE_PROXY_SSL_HEADER", **PRODUCTION, USE_X_FORWARDED_PROTO="1")
    assert trusted["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_celery_runs_tasks_in_process_when_no_broker_is_configured():
    values = _settings("CELERY_TASK_ALWAYS_EAGER", "CELERY_BROKER_URL", DEBUG="1")
    assert values == {"CELERY_TASK_ALWAYS_EAGER": True, "CELERY_BROKER_URL": ""}


def test_celery_uses_the_broker_when_one_is_configured():
    values = _settings(
        "CELERY_TASK_ALWAYS_EAGER",
        "CELERY_RESULT_BACKEND",
        DEBUG="1",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    assert values == {
        "CELERY_TASK_ALWAYS_EAGER": False,
        "CELERY_RESULT_BACKEND": "redis://127.0.0.1:6379/0",
    }


@pytest.mark.skipif(os.environ.get("CI", "").lower() not in {"1", "true"}, reason="only in CI")
def test_ci_runs_the_suite_on_postgresql():
    from django.db import connection

    assert connection.vendor == "postgresql", "CI must run the tests on PostgreSQL (DATABASE_URL)"


def test_the_report_clocks_agree(settings):
    """acks_late: Redis redelivers a job held past the visibility timeout, so that must outlast
    the hard time limit (a job still being built is never handed out twice); the soft limit
    comes before the hard one; a dead worker is noticed after several missed heartbeats."""
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert settings.REPORT_SOFT_TIME_LIMIT_SECONDS < settings.REPORT_TIME_LIMIT_SECONDS < visibility
    assert settings.REPORT_TIME_LIMIT_SECONDS < settings.REPORT_STUCK_AFTER_MINUTES * 60
    assert 3 * settings.REPORT_HEARTBEAT_SECONDS < settings.REPORT_WORKER_LOST_AFTER_SECONDS <= 180


def test_sending_a_job_never_keeps_a_request_waiting_long(settings):
    """With the broker down a request waits at most for two quick connection attempts."""
    policy = settings.CELERY_TASK_PUBLISH_RETRY_POLICY
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert settings.CELERY_BROKER_CONNECTION_TIMEOUT == options["socket_connect_timeout"] <= 2
    assert policy["max_retries"] <= 1 and policy["interval_max"] <= 0.5
