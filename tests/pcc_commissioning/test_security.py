"""Security hardening (README "Security"): response headers and the Content-Security-Policy, no inline
scripts or styles (templates and rendered pages), sign-in throttling, sessions that expire,
strong passwords, and uploads stored and served safely.
"""

from __future__ import annotations

import datetime
import io
import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib import admin
from django.contrib.sessions.models import Session
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from pcc_commissioning.models import User
from pcc_commissioning.roles import Role
from pcc_commissioning.security import locked_out_message
from tests.factories import AwardFactory, UserFactory
from tests.factories.providers import PDF_BYTES, DueDiligenceDocumentFactory
from tests.factories.users import TEST_PASSWORD
from tests.ids import restart_ids

from .test_url_access import ROUTES

ROOT = Path(settings.BASE_DIR)

# ---------------------------------------------------------------------------------------------
# Headers


def _csp(response) -> dict[str, list[str]]:
    policy = {}
    for part in response["Content-Security-Policy"].split(";"):
        directive, *sources = part.split()
        policy[directive] = sources
    return policy


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True])
def test_every_response_carries_the_security_headers(signed_in, officer):
    client = Client()
    if signed_in:
        client.force_login(officer)
    response = client.get(reverse("accessibility"))
    assert response.status_code == 200
    policy = _csp(response)
    assert policy == {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_errors_and_redirects_carry_the_policy_too(client, officer_client):
    assert "Content-Security-Policy" in client.get(reverse("home"))  # redirect to sign in
    assert "Content-Security-Policy" in officer_client.get("/no-such-page/")
    assert "Content-Security-Policy" in client.get(reverse("health"))


# ---------------------------------------------------------------------------------------------
# No inline scripts or styles: the policy would block them


INLINE_PROBLEMS = {
    "inline script": re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),
    "style element": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I),
    "event handler attribute": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"(?:href|src|action)\s*=\s*[\"']?\s*javascript:", re.I),
}
TEMPLATE_COMMENTS = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.S)


def _inline_problems(html: str) -> list[str]:
    return [
        f"{name}: {match.group(0)[:80]}"
        for name, pattern in INLINE_PROBLEMS.items()
        for match in pattern.finditer(html)
    ]


def _project_templates() -> list[Path]:
    folders = [ROOT / "templates", *ROOT.glob("*/templates")]
    return sorted(path for folder in folders for path in folder.rglob("*.html") if ".venv" not in path.parts)


def test_the_scan_finds_what_it_looks_for():
    assert len(_inline_problems('<script>alert(1)</script><p style="x"><a onclick="y">')) == 3
    assert _inline_problems('<script src="/static/a.js" defer></script><p class="style">one=two</p>') == []


def test_no_template_has_inline_scripts_or_styles():
    templates = _project_templates()
    assert len(templates) > 50
    problems = {
        str(path.relative_to(ROOT)): found
        for path in templates
        if (found := _inline_problems(TEMPLATE_COMMENTS.sub("", path.read_text())))
    }
    assert problems == {}


@pytest.fixture
def demo(db):
    restart_ids()
    call_command("seed_demo", force=True, stdout=io.StringIO())


def test_no_rendered_page_has_inline_scripts_or_styles(demo):
    """Every page the URL walk finds (ids 1, which exist in the demo), as the administrator."""
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username="admin"))
    checked, problems = 0, {}
    for route, url in ROUTES:
        if route.name == "logout" or url.startswith(settings.STATIC_URL):
            continue
        response = client.get(url)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        checked += 1
        if found := _inline_problems(response.content.decode()):
            problems[url] = found
    assert checked > 40
    assert problems == {}


@pytest.mark.django_db
def test_the_admin_works_under_the_policy(superuser):
    """Every registered model's list and add pages: scripts come from files that exist."""
    client = Client()
    client.force_login(superuser)
    pages = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        pages.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    assert len(pages) > 5
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert _inline_problems(html) == [], url
        for src in re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", html):
            if src.startswith(settings.STATIC_URL):
                assert finders.find(src.removeprefix(settings.STATIC_URL).split("?")[0]), src
            else:
                assert client.get(src).status_code == 200, src  # e.g. the admin's jsi18n


# ---------------------------------------------------------------------------------------------
# Sign-in throttling


def _sign_in(client: Client, username: str, password: str, url: str = "/accounts/login/", **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


@pytest.fixture
def limits(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 6
    settings.LOGIN_LOCKOUT_SECONDS = 900
    return settings


@pytest.mark.django_db
def test_failures_below_the_limit_do_not_stop_the_right_password(limits, officer):
    client = Client()
    for _ in range(2):
        response = _sign_in(client, "officer", "wrong password")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    assert _sign_in(client, "officer", TEST_PASSWORD).status_code == 302
    # A successful sign-in clears the count: two more failures still do not lock the account.
    other = Client()
    for _ in range(2):
        _sign_in(other, "officer", "wrong password")
    assert _sign_in(Client(), "officer", TEST_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_limit_locks_the_username_even_for_the_right_password(limits, officer):
    client = Client()
    for _ in range(3):
        _sign_in(client, "officer", "wrong password")
    response = _sign_in(Client(REMOTE_ADDR="10.0.0.9"), "officer", TEST_PASSWORD)
    assert response.status_code == 200
    html = response.content.decode()
    assert locked_out_message() in html
    assert "Wait 15 minutes and try again" in html
    assert 'class="govuk-error-summary"' in html and "<title>Error: Sign in" in html
    assert "_auth_user_id" not in Client().session
    # Case and spaces do not get round the lock; another user is unaffected.
    assert locked_out_message() in _sign_in(Client(REMOTE_ADDR="10.0.0.9"), " OFFICER", TEST_PASSWORD).content.decode()
    UserFactory(username="colleague", role=Role.OFFICER)
    assert _sign_in(Client(REMOTE_ADDR="10.0.0.9"), "colleague", TEST_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_lock_reveals_nothing_about_whether_the_account_exists(limits, officer):
    answers = []
    for username in ("officer", "nobody-by-this-name"):
        client = Client(REMOTE_ADDR=f"10.0.1.{len(answers)}")
        pages = [_sign_in(client, username, "wrong password") for _ in range(4)]
        answers.append([(page.status_code, _error_text(page)) for page in pages])
    assert answers[0] == answers[1]
    assert answers[0][-1] == (200, [locked_out_message()])


def _error_text(response) -> list[str]:
    return re.findall(r'<li><a href="#id_username">(.*?)</a></li>', response.content.decode())


@pytest.mark.django_db
def test_the_lock_ends_after_the_lockout_time(limits, officer):
    # The clock is moved rather than waited on, so a slow machine cannot see the lock end early.
    limits.LOGIN_LOCKOUT_SECONDS = 60
    client = Client()
    with time_machine.travel(datetime.datetime(2026, 12, 7, 9, 0, tzinfo=datetime.UTC), tick=False) as traveller:
        for _ in range(3):
            _sign_in(client, "officer", "wrong password")
        traveller.shift(59)
        assert _sign_in(client, "officer", TEST_PASSWORD).status_code == 200  # still locked
        traveller.shift(2)
        assert _sign_in(client, "officer", TEST_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_one_address_trying_many_usernames_is_locked_out(limits, officer):
    client = Client(REMOTE_ADDR="192.0.2.7")
    for number in range(6):
        _sign_in(client, f"guess{number}", "wrong password")
    assert locked_out_message() in _sign_in(client, "officer", TEST_PASSWORD).content.decode()
    assert _sign_in(Client(REMOTE_ADDR="192.0.2.8"), "officer", TEST_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_behind_a_proxy_the_address_is_the_last_forwarded_one(limits, officer):
    limits.LOGIN_CLIENT_IP_FROM_X_FORWARDED_FOR = True
    proxy = Client(REMOTE_ADDR="10.9.9.9")
    for number in range(6):
        # The client may forge the first entries; the proxy appends the real address.
        _sign_in(proxy, f"guess{number}", "x", HTTP_X_FORWARDED_FOR=f"1.1.1.{number}, 203.0.113.5")
    locked = _sign_in(proxy, "officer", TEST_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert locked_out_message() in locked.content.decode()
    assert _sign_in(proxy, "officer", TEST_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.6").status_code == 302


@pytest.mark.django_db
def test_the_admin_sign_in_is_throttled_too(limits, superuser):
    client = Client()
    url = reverse("admin:login")
    for _ in range(3):
        assert _sign_in(client, "admin", "wrong password", url).status_code == 200
    response = _sign_in(client, "admin", TEST_PASSWORD, url)
    assert response.status_code == 200 and locked_out_message() in response.content.decode()


@pytest.mark.django_db
def test_the_limit_th_wrong_password_locks_and_not_one_before(officer):
    """With the default limit: LIMIT - 1 failures leave the right password working; the
    LIMIT-th failure locks, so the right password is then refused."""
    limit = settings.LOGIN_FAILURE_LIMIT
    assert limit == 5
    UserFactory(username="colleague", role=Role.OFFICER)
    for _ in range(limit - 1):
        _sign_in(Client(), "colleague", "wrong password")
    assert _sign_in(Client(), "colleague", TEST_PASSWORD).status_code == 302

    for attempt in range(1, limit + 1):
        response = _sign_in(Client(), "officer", "wrong password")
        assert response.status_code == 200
        # The LIMIT-th wrong attempt is still answered as a wrong password; the lock follows it.
        assert locked_out_message() not in response.content.decode(), attempt
    refused = _sign_in(Client(), "officer", TEST_PASSWORD)
    assert refused.status_code == 200 and locked_out_message() in refused.content.decode()


@pytest.mark.django_db
def test_failures_are_counted_for_the_lockout_time_from_the_first(limits, officer, time_machine):
    """Three failures six minutes apart fall within the 15 minutes: locked. (The database
    cache's incr would otherwise forget a count five minutes after each failure.)"""
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    for minutes in (0, 6, 12):
        time_machine.move_to(start + datetime.timedelta(minutes=minutes), tick=False)
        _sign_in(Client(), "officer", "wrong password")
    assert locked_out_message() in _sign_in(Client(), "officer", TEST_PASSWORD).content.decode()
    # A failure 16 minutes after the first starts a new count.
    time_machine.move_to(start + datetime.timedelta(minutes=40), tick=False)
    for minutes in (40, 56):
        time_machine.move_to(start + datetime.timedelta(minutes=minutes), tick=False)
        _sign_in(Client(), "officer", "wrong password")
    time_machine.move_to(start + datetime.timedelta(minutes=57), tick=False)
    assert _sign_in(Client(), "officer", TEST_PASSWORD).status_code == 302


def test_the_throttles_count_in_a_cache_every_process_shares():
    """Not the per-process memory cache: gunicorn's workers would each count apart."""
    backend = settings.CACHES["default"]["BACKEND"]
    assert backend in {
        "django.core.cache.backends.db.DatabaseCache",
        "django.core.cache.backends.redis.RedisCache",
    }


@pytest.fixture
def database_for_other_processes(tmp_path) -> str:
    """A DATABASE_URL another process can open holding this test's data: a file copy of the
    SQLite test database, or PostgreSQL's test database itself."""
    from django.db import connection

    if connection.vendor == "sqlite":
        path = tmp_path / "shared.sqlite3"
        import sqlite3

        target = sqlite3.connect(path)
        connection.ensure_connection()
        connection.connection.backup(target)
        target.close()
        return f"sqlite:///{path}"
    details = connection.settings_dict
    password = f":{details['PASSWORD']}" if details["PASSWORD"] else ""
    return f"postgres://{details['USER']}{password}@{details['HOST']}:{details['PORT'] or 5432}/{details['NAME']}"


SIGN_IN_SCRIPT = """
import sys
from django.test import Client
from pcc_commissioning.security import locked_out_message
for password in sys.argv[1:]:
    response = Client().post("/accounts/login/", {"username": "officer", "password": password})
    locked = locked_out_message() in response.content.decode()
    print(response.status_code, "locked" if locked else "open")
"""


def _sign_in_elsewhere(database_url: str, *passwords: str) -> list[str]:
    """Sign-ins in a fresh process with the default settings (no CACHE_URL), as a second
    gunicorn worker would make them."""
    from .test_settings import _run

    script = f"import sys; sys.argv = ['x', *{list(passwords)!r}]\n" + SIGN_IN_SCRIPT
    result = _run(
        ["manage.py", "shell", "--verbosity", "0", "-c", script],
        DEBUG="1",
        DATABASE_URL=database_url,
        ALLOWED_HOSTS="testserver",
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split("\n")[:-1]


# Committed data other processes can read; serialized_rollback puts back what the migrations
# seeded, as the other transactional tests do.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_processes_share_the_failure_count(officer, database_for_other_processes):
    """Four wrong passwords in one process and the fifth in another lock the account for both."""
    first = _sign_in_elsewhere(database_for_other_processes, *["wrong password"] * 4)
    assert first == ["200 open"] * 4
    second = _sign_in_elsewhere(database_for_other_processes, "wrong password", TEST_PASSWORD)
    assert second == ["200 open", "200 locked"]
    assert _sign_in_elsewhere(database_for_other_processes, TEST_PASSWORD) == ["200 locked"]


def test_the_defaults_are_set_from_the_environment():
    assert settings.LOGIN_FAILURE_LIMIT >= 3
    assert settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS > settings.LOGIN_FAILURE_LIMIT
    assert settings.LOGIN_LOCKOUT_SECONDS >= 60


# ---------------------------------------------------------------------------------------------
# Sessions and passwords


@pytest.mark.django_db
def test_sessions_end_with_the_browser_and_after_a_working_day(officer):
    client = Client()
    response = _sign_in(client, "officer", TEST_PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["max-age"] and not cookie["expires"]  # a browser-session cookie
    assert cookie["httponly"]
    assert settings.SESSION_COOKIE_AGE <= 12 * 60 * 60
    assert client.get(reverse("providers:list")).status_code == 200

    session = Session.objects.get(session_key=cookie.value)
    assert session.expire_date <= timezone.now() + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(reverse("providers:list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_passwords_must_be_long_and_uncommon():
    validators = {entry["NAME"].rsplit(".", 1)[1]: entry for entry in settings.AUTH_PASSWORD_VALIDATORS}
    assert validators["MinimumLengthValidator"]["OPTIONS"]["min_length"] >= 12
    assert {"CommonPasswordValidator", "NumericPasswordValidator", "UserAttributeSimilarityValidator"} <= set(
        validators
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "password, problem",
    [
        ("Short-pass1", "at least 12 characters"),
        ("password1234", "too common"),
        ("739204817362", "entirely numeric"),
    ],
)
def test_changing_a_password_enforces_the_rules(officer, password, problem):
    client = Client()
    client.force_login(officer)
    response = client.post(
        reverse("password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": password, "new_password2": password},
    )
    assert response.status_code == 200 and problem in response.content.decode()
    officer.refresh_from_db()
    assert officer.check_password(TEST_PASSWORD)
    good = "correct horse battery staple"
    response = client.post(
        reverse("password_change"), {"old_password": TEST_PASSWORD, "new_password1": good, "new_password2": good}
    )
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password(good)


@pytest.mark.django_db
def test_resetting_a_password_enforces_the_rules(officer, mailoutbox):
    Client().post(reverse("password_reset"), {"email": officer.email})
    assert len(mailoutbox) == 1
    link = re.search(r"(/accounts/reset/[^/\s]+/[^/\s]+/)", mailoutbox[0].body).group(1)
    client = Client()
    form_url = client.get(link)["Location"]  # Django swaps the token for a session value
    response = client.post(form_url, {"new_password1": "Short-pass1", "new_password2": "Short-pass1"})
    assert response.status_code == 200 and "at least 12 characters" in response.content.decode()
    officer.refresh_from_db()
    assert officer.check_password(TEST_PASSWORD)
    good = "correct horse battery staple"
    assert client.post(form_url, {"new_password1": good, "new_password2": good}).status_code == 302
    officer.refresh_from_db()
    assert officer.check_password(good)


def _reset(client: Client, email: str):
    return client.post(reverse("password_reset"), {"email": email})


@pytest.mark.django_db
def test_password_reset_e_mails_are_limited_per_address(officer, mailoutbox):
    """20 requests for one address send RESET_REQUEST_LIMIT_PER_EMAIL (3) e-mails; every
    answer is the same "check your e-mail" page, for a known address or not."""
    assert settings.RESET_REQUEST_LIMIT_PER_EMAIL == 3
    answers = {_reset(Client(REMOTE_ADDR=f"10.0.2.{n}"), officer.email)["Location"] for n in range(20)}
    assert len(mailoutbox) == 3
    assert {message.to[0] for message in mailoutbox} == {officer.email}
    unknown = {_reset(Client(REMOTE_ADDR=f"10.0.3.{n}"), "nobody@example.org")["Location"] for n in range(20)}
    assert answers == unknown == {reverse("password_reset_done")}
    assert len(mailoutbox) == 3
    # The limit is per address: a colleague still gets theirs, and case does not get round it.
    colleague = UserFactory(username="colleague", email="colleague@example.org", role=Role.OFFICER)
    _reset(Client(REMOTE_ADDR="10.0.4.1"), officer.email.upper())
    _reset(Client(REMOTE_ADDR="10.0.4.1"), colleague.email)
    assert [message.to[0] for message in mailoutbox[3:]] == [colleague.email]


@pytest.mark.django_db
def test_password_reset_requests_are_limited_per_client(mailoutbox):
    """One client asking for 20 different (existing) addresses gets
    RESET_REQUEST_LIMIT_PER_ADDRESS (10) e-mails sent; another client is unaffected."""
    assert settings.RESET_REQUEST_LIMIT_PER_ADDRESS == 10
    users = [UserFactory(username=f"user{n}", email=f"user{n}@example.org", role=Role.OFFICER) for n in range(21)]
    client = Client(REMOTE_ADDR="192.0.2.50")
    for user in users[:20]:
        assert _reset(client, user.email).status_code == 302
    assert len(mailoutbox) == 10
    _reset(Client(REMOTE_ADDR="192.0.2.51"), users[20].email)
    assert len(mailoutbox) == 11


@pytest.mark.django_db
def test_password_reset_limits_end_with_the_window(officer, mailoutbox, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False)
    for _ in range(5):
        _reset(Client(), officer.email)
    assert len(mailoutbox) == 3
    time_machine.move_to(datetime.datetime(2026, 3, 2, 10, 0, 1, tzinfo=datetime.UTC), tick=False)
    _reset(Client(), officer.email)
    assert len(mailoutbox) == 4


# ---------------------------------------------------------------------------------------------
# Sessions end SESSION_COOKIE_AGE after sign-in, however busy

SIGN_IN_MOMENT = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def _at(time_machine, hours: float) -> datetime.datetime:
    moment = SIGN_IN_MOMENT + datetime.timedelta(hours=hours)
    time_machine.move_to(moment, tick=False)
    return moment


@pytest.mark.django_db
def test_a_busy_session_still_ends_eight_hours_after_sign_in(officer, time_machine):
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    _at(time_machine, 0)
    client = Client()
    assert _sign_in(client, "officer", TEST_PASSWORD).status_code == 302
    page = reverse("providers:list")
    for hours in (1, 3, 5, 7, 7.99):
        _at(time_machine, hours)
        assert client.get(page).status_code == 200, hours
        client.session.save()  # a session that changes: Django would move its expiry on
        session = Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)
        # The stored expiry never passes the deadline (so clearsessions removes it then).
        assert session.expire_date == SIGN_IN_MOMENT + datetime.timedelta(hours=8)
    _at(time_machine, 8)
    response = client.get(page)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={page}"
    assert "_auth_user_id" not in client.session
    assert client.get(page)["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_signing_in_again_starts_a_new_eight_hours(officer, time_machine):
    client = Client()
    _at(time_machine, 0)
    _sign_in(client, "officer", TEST_PASSWORD)
    _at(time_machine, 8.5)
    assert client.get(reverse("providers:list")).status_code == 302
    _sign_in(client, "officer", TEST_PASSWORD)
    _at(time_machine, 16.4)
    assert client.get(reverse("providers:list")).status_code == 200
    _at(time_machine, 16.5)
    assert client.get(reverse("providers:list")).status_code == 302


@pytest.mark.django_db
def test_a_session_from_before_the_deadline_was_kept_starts_its_clock(officer, time_machine):
    """A session signed in before sign-in times were kept has none: its clock starts at its
    next request, rather than it lasting for ever."""
    from pcc_commissioning.security import SIGNED_IN_AT

    client = Client()
    _at(time_machine, 0)
    client.force_login(officer)
    session = client.session
    del session[SIGNED_IN_AT]
    session.save()
    _at(time_machine, 2)
    assert client.get(reverse("providers:list")).status_code == 200
    _at(time_machine, 9.9)
    assert client.get(reverse("providers:list")).status_code == 200
    _at(time_machine, 10)
    assert client.get(reverse("providers:list")).status_code == 302


# ---------------------------------------------------------------------------------------------
# Uploads


def test_uploads_are_stored_outside_every_static_folder_and_no_url_serves_them():
    media = Path(settings.MEDIA_ROOT).resolve()
    for static in [Path(settings.STATIC_ROOT), *map(Path, settings.STATICFILES_DIRS)]:
        static = static.resolve()
        assert not media.is_relative_to(static) and not static.is_relative_to(media), static
    for url in (f"{settings.MEDIA_URL}awards/x/agreement.pdf", f"{settings.MEDIA_URL}documents/1/x.pdf"):
        with pytest.raises(Resolver404):
            resolve(url)


@pytest.fixture
def stored_documents(db, settings, tmp_path, organisation, provider_user):
    settings.MEDIA_ROOT = tmp_path
    document = DueDiligenceDocumentFactory(organisation=organisation)
    award = AwardFactory(provider=organisation)
    from grants.awards.documents import award_document_add

    officer = UserFactory(role=Role.OFFICER)
    award_document = award_document_add(
        actor=officer, award=award, kind="contract", title="", file=SimpleUploadedFile("contract.pdf", PDF_BYTES)
    )
    return {
        "officer": officer,
        "provider": provider_user,
        "providers:document_download": {"pk": organisation.pk, "document_pk": document.pk},
        "portal:document_download": {"document_pk": document.pk},
        "grants:award_document_download": {"pk": award.pk, "document_pk": award_document.pk},
    }


@pytest.mark.parametrize(
    "url_name, who",
    [
        ("providers:document_download", "officer"),
        ("portal:document_download", "provider"),
        ("grants:award_document_download", "officer"),
    ],
)
def test_documents_are_served_as_private_attachments(stored_documents, url_name, who):
    client = Client()
    client.force_login(stored_documents[who])
    response = client.get(reverse(url_name, kwargs=stored_documents[url_name]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == PDF_BYTES
    # Anyone else: refused or not found, never the file.
    outsider = UserFactory(role=Role.PROVIDER)
    from providers.services import membership_set
    from tests.factories.providers import OrganisationFactory

    membership_set(user=outsider, organisation=OrganisationFactory())
    other = Client()
    other.force_login(outsider)
    assert other.get(reverse(url_name, kwargs=stored_documents[url_name])).status_code in (403, 404)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, content, problem",
    [
        ("agreement.pdf", b"<html><script>alert(1)</script></html>", "The selected file must be"),
        ("agreement.pdf", b"MZ\x90\x00\x03 a program", "The selected file must be"),
        ("agreement.pdf", PDF_BYTES + b"0" * 4096, "must be smaller than"),
    ],
)
def test_award_documents_are_checked_by_content_and_size(officer_client, settings, tmp_path, name, content, problem):
    settings.MEDIA_ROOT = tmp_path
    settings.UPLOAD_MAX_BYTES = 2048
    from grants.models import AwardDocument

    award = AwardFactory()
    response = officer_client.post(
        reverse("grants:award_document_add", kwargs={"pk": award.pk}),
        {"kind": "contract", "title": "", "file": SimpleUploadedFile(name, content, content_type="application/pdf")},
    )
    assert response.status_code == 200
    assert problem in response.content.decode()
    assert not AwardDocument.objects.exists()
    assert not any(tmp_path.rglob("*.pdf"))
