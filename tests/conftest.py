"""Shared fixtures: users in each role and logged-in clients."""

from __future__ import annotations

import os

import pytest
from django.test import Client

from pcc_commissioning.models import User
from pcc_commissioning.roles import Role

from .factories import UserFactory


@pytest.fixture(scope="session", autouse=True)
def _database_is_the_one_asked_for(django_db_setup, django_db_blocker):
    """CI sets EXPECT_DATABASE_VENDOR=postgresql: fail loudly if the suite fell back to SQLite."""
    expected = os.environ.get("EXPECT_DATABASE_VENDOR")
    if expected:
        from django.db import connection

        assert connection.vendor == expected, (
            f"Tests were meant to run on {expected} but run on {connection.vendor}: check DATABASE_URL."
        )


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    """``scripts/mutate`` sets MUTATE_DB_DIR and passes ``--reuse-db``: the SQLite test database
    is then a file kept between its runs. Its mutants never touch a model or a migration, so the
    database the migrations build (with the roles and code lists they seed) is built once, not
    once per mutant, which would take most of the run. Without MUTATE_DB_DIR: pytest-django's
    own behaviour (an in-memory SQLite database, or the configured server's test database)."""
    folder = os.environ.get("MUTATE_DB_DIR")
    if not folder:
        return
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        database.setdefault("TEST", {})["NAME"] = os.path.join(folder, f"test-{worker}.sqlite3")


def _uses_database(request) -> bool:
    return bool(request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def _empty_cache(request):
    """Each test starts with empty caches: failed sign-ins counted by the throttle
    (pcc_commissioning/security.py) in one test must not lock out the next. The default cache
    is a database table, so it is only reached by tests that may use the database."""
    from django.core.cache import caches

    names = ["charts", "default"] if _uses_database(request) else ["charts"]
    if "default" in names:
        request.getfixturevalue("_django_db_helper")
    for name in names:
        caches[name].clear()
    yield
    for name in names:
        caches[name].clear()


@pytest.fixture(autouse=True)
def _due_diligence_requirements(request):
    """The migrations require safeguarding, insurance and accounts of voluntary and private
    organisations before an award or payment goes ahead without a reason. Tests of other rules
    would each have to file documents or give reasons, so the requirements are cleared for
    them; a test of the due-diligence rule keeps them with ``@pytest.mark.due_diligence``."""
    if not _uses_database(request) or request.node.get_closest_marker("due_diligence"):
        yield
        return
    request.getfixturevalue("_django_db_helper")
    from providers.models import RequiredDocument

    RequiredDocument.objects.all().delete()
    yield


@pytest.fixture(autouse=True)
def _agreement_rule(request):
    """With ``PAYMENT_NEEDS_ACCEPTED_AGREEMENT`` (the default), a payment is marked paid only
    once the award's agreement is accepted. Tests of other rules mark payments paid on awards
    that have no agreement, so the rule is off for them; a test of the rule keeps it with
    ``@pytest.mark.agreement_rule``."""
    if request.node.get_closest_marker("agreement_rule"):
        yield
        return
    from django.test import override_settings

    with override_settings(PAYMENT_NEEDS_ACCEPTED_AGREEMENT=False):
        yield


@pytest.fixture
def officer(db) -> User:
    return UserFactory(username="officer", role=Role.OFFICER)


@pytest.fixture
def finance_officer(db) -> User:
    return UserFactory(username="finance", role=Role.FINANCE)


@pytest.fixture
def board_member(db) -> User:
    return UserFactory(username="board", role=Role.BOARD)


@pytest.fixture
def superuser(db) -> User:
    return UserFactory(username="admin", is_superuser=True, is_staff=True)


def _logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def officer_client(officer) -> Client:
    return _logged_in(officer)


@pytest.fixture
def finance_client(finance_officer) -> Client:
    return _logged_in(finance_officer)


@pytest.fixture
def board_client(board_member) -> Client:
    return _logged_in(board_member)


@pytest.fixture
def login_as():
    """``login_as(user)`` gives a client logged in as that user."""
    return _logged_in


# Providers ------------------------------------------------------------------------------------


@pytest.fixture
def organisation(db):
    from .factories import OrganisationFactory

    return OrganisationFactory(name="Harbour Support Services")


@pytest.fixture
def provider_user(organisation) -> User:
    """A provider user who acts for ``organisation``."""
    from providers.services import membership_set

    user = UserFactory(username="provider", role=Role.PROVIDER)
    membership_set(user=user, organisation=organisation)
    return user


@pytest.fixture
def provider_client(provider_user) -> Client:
    return _logged_in(provider_user)


def pytest_configure(config):
    """A fast password hasher: tests create many users, and security is not under test here."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _celery_tasks_run_in_process():
    """Tasks run in the test's own process, as in the embedded set-up, whether or not the
    environment names a broker (CI does): only tests that start a real worker switch it off
    (``tests/reports/test_celery_worker.py``). Otherwise a task's result would wait forever."""
    from pcc_commissioning.celery import app

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved
