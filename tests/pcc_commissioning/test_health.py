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
