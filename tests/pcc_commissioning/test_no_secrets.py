"""No secrets in the repository: private keys, cloud and service tokens, credentials in URLs,
real .env files, and passwords or keys written into settings or deployment files.

Scans the files git tracks. The only secret-looking values allowed are the documented public
ones: the development SECRET_KEY (refused when DEBUG is off), the demo accounts' published
password (seed_demo refuses to run with DEBUG off), the test users' password, and the
throwaway password CI gives its own PostgreSQL.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# Patterns are assembled from pieces so this file does not match itself.
BEGIN = "-----BEGIN"
CONTENT_PATTERNS = {
    "private key": re.compile(BEGIN + r" (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY"),
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "AWS secret access key": re.compile(r"(?i)aws_?secret_?access_?key\s*[:=]\s*['\"]?[A-Za-z0-9/+=]{40}"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "Stripe live key": re.compile(r"\b[sr]k_live_[0-9A-Za-z]{16,}"),
    "npm token": re.compile(r"_authToken\s*=\s*\S+"),
    # scheme://user:password@host with a literal password (not ${VARIABLE} or <placeholder>)
    "password in a URL": re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s:/@'\"]+:(?![$<{]|password@|pass@)[^\s@/'\"]+@[\w.-]+"),
}
SECRET_FILE_NAMES = re.compile(
    r"(?:^|/)(?:\.env(?:\.(?!example$)[\w.-]+)?|\.pgpass|\.netrc|id_(?:rsa|dsa|ecdsa|ed25519)|"
    r"[^/]+\.(?:pem|key|p12|pfx|jks|keystore))$"
)
# Files where a name like PASSWORD or SECRET_KEY is given a value: settings and deployment.
CONFIG_FILES = re.compile(
    r"(?:^|/)(?:settings\.py|docker-compose[\w.-]*\.ya?ml|Dockerfile|Makefile|\.env\.example|"
    r"[^/]+\.(?:ya?ml|toml|ini|cfg|conf))$|^\.ci/|^scripts/"
)
SECRET_NAME = r"[A-Z0-9_]*(?:SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|PRIVATE_KEY)[A-Z0-9_]*"
ASSIGNMENT = re.compile(
    rf"(?i)(?<![{{$])\b(?P<name>{SECRET_NAME})\b['\"]?\s*(?:=(?!=)|:(?![?-]))\s*(?P<value>\"[^\"]*\"|'[^']*'|[^\s#]*)"
)
ENV_DEFAULT = re.compile(rf"env(?:\.\w+)?\(\s*[\"'](?P<name>{SECRET_NAME})[\"'][^)]*default\s*=\s*(?P<value>[^,)]+)")
# Documented, public values (see the module docstring), and the keys used only where nothing
# is signed: the image build's collectstatic and the benchmark's throwaway server.
ALLOWED_VALUES = {
    settings.DEVELOPMENT_SECRET_KEY,
    "build-time-only-collectstatic-key-not-used-at-run-time-0000",
    "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "demo-password-2019",
    "correct-horse-battery-staple",
    "pcc-ci",
}
SKIPPED = {"tests/pcc_commissioning/test_no_secrets.py"}


def _tracked_files() -> list[str]:
    output = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True).stdout.decode()
    return [name for name in output.split("\0") if name]


try:
    TRACKED = _tracked_files()
except (OSError, subprocess.CalledProcessError):  # not a git checkout (e.g. inside the image)
    TRACKED = []


def _text(name: str) -> str | None:
    path = ROOT / name
    if not path.is_file() or path.stat().st_size > 2_000_000:
        return None
    data = path.read_bytes()
    if b"\0" in data[:4096]:
        return None
    return data.decode("utf-8", errors="replace")


pytestmark = pytest.mark.skipif(not TRACKED, reason="not a git checkout")


def test_the_scan_recognises_secrets():
    samples = {
        "private key": BEGIN + " RSA PRIVATE KEY-----",
        "AWS access key id": "AKIA" + "ABCDEFGHIJKLMNOP",
        "password in a URL": "postgres://pcc:" + "hunter2hunter2@db:5432/pcc",
    }
    for kind, text in samples.items():
        assert CONTENT_PATTERNS[kind].search(text), kind
    assert not CONTENT_PATTERNS["password in a URL"].search("postgres://pcc:${POSTGRES_PASSWORD}@db/pcc")
    assert SECRET_FILE_NAMES.search("deploy/.env") and SECRET_FILE_NAMES.search("certs/server.key")
    assert not SECRET_FILE_NAMES.search(".env.example")
    assert ASSIGNMENT.search('EMAIL_HOST_PASSWORD = "' + 'hunter2"').group("value") == '"hunter2"'


def test_no_tracked_file_holds_a_private_key_or_token():
    assert len(TRACKED) > 100
    found = []
    for name in TRACKED:
        if name in SKIPPED or (text := _text(name)) is None:
            continue
        for kind, pattern in CONTENT_PATTERNS.items():
            for match in pattern.finditer(text):
                found.append(f"{name}: {kind}: {match.group(0)[:60]}")
    assert found == [], "\n".join(found)


def test_no_env_file_or_key_file_is_tracked():
    assert [name for name in TRACKED if SECRET_FILE_NAMES.search(name)] == []
    assert ".env.example" in TRACKED


def _literal(value: str) -> str:
    return value.strip().strip(",").strip("\"'")


def test_settings_and_deployment_files_set_no_passwords_or_keys():
    """A secret-named setting is read from the environment, with an empty default (or the
    documented development key); deployment files refer to variables, never values."""
    found = []
    for name in TRACKED:
        if not CONFIG_FILES.search(name) or (text := _text(name)) is None:
            continue
        for line_number, line in enumerate(text.splitlines(), start=1):
            if line.lstrip().startswith("#"):
                continue
            for match in ENV_DEFAULT.finditer(line):
                value = match.group("value").strip()
                if value not in ('""', "''", "DEVELOPMENT_SECRET_KEY") and _literal(value) not in ALLOWED_VALUES:
                    found.append(f"{name}:{line_number}: {match.group('name')} defaults to {value}")
            for match in ASSIGNMENT.finditer(line):
                value = _literal(match.group("value"))
                harmless = (
                    not value
                    or value.startswith(("$", "env(", "env.", "os.environ", "{{", "<"))
                    or value in ALLOWED_VALUES
                    or value in {"DEVELOPMENT_SECRET_KEY", "None", "True", "False", "[", "{", "("}
                    or name.endswith(".py")
                    and "(" in value  # computed, e.g. env("…")
                    or re.fullmatch(r"[A-Z_]+", value)  # another setting's name
                )
                if not harmless:
                    found.append(f"{name}:{line_number}: {match.group('name')} = {value}")
    assert found == [], "\n".join(found)


def test_the_development_key_is_refused_in_production():
    source = (ROOT / "pcc_commissioning" / "settings.py").read_text()
    assert "if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY" in source
    assert "ImproperlyConfigured" in source
