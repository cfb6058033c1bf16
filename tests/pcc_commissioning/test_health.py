"""/health/ is what docker-compose and load balancers poll."""

from __future__ import annotations

import pytest
from django.db import DatabaseError
from django.test import Client
from django.urls import reverse

from pcc_commissioning import views


@pytest.mark.django_db
def test_health_answers_ok_to_anonymous_callers():
    response = Client().get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


class _BrokenConnection:
    def cursor(self):
        raise DatabaseError("connection refused")


@pytest.mark.django_db
def test_health_answers_503_when_the_database_does_not(monkeypatch):
    monkeypatch.setattr(views, "connection", _BrokenConnection())
    response = Client().get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["status"] == "error"


@pytest.fixture
def database_down():
    """Every query fails as with the database server stopped: sessions, users, the check.
    Undone when the test ends, before the shared fixtures tidy the database up."""
    from unittest import mock

    from django.db import OperationalError, connection

    refused = OperationalError("could not connect to server: Connection refused")
    patcher = mock.patch.object(connection, "cursor", side_effect=refused)
    yield patcher.start
    patcher.stop()


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True])
def test_health_answers_503_to_anyone_while_the_database_is_down(officer, database_down, signed_in):
    """Signed in, the session and the user would be loaded from the database before the view."""
    client = Client(raise_request_exception=False)
    if signed_in:
        client.force_login(officer)
    assert client.get(reverse("health")).status_code == 200
    database_down()
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}
    assert "Content-Security-Policy" in response
