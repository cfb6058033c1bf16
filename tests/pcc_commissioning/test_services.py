"""model_update: the one way a service applies the fields that changed."""

import datetime

import pytest

from pcc_commissioning.models import SubmissionToken
from pcc_commissioning.services import model_update
from tests.factories.users import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def token():
    return SubmissionToken.objects.create(
        token="t-1", user=UserFactory(), created_at=datetime.datetime(2019, 4, 1, tzinfo=datetime.UTC), message="Saved"
    )


def test_only_the_values_that_differ_are_set_and_named(token):
    changed = model_update(instance=token, data={"token": "t-1", "message": "Done", "redirect_url": "/x/"})
    assert changed == ["message", "redirect_url"]
    assert (token.message, token.redirect_url) == ("Done", "/x/")
    token.refresh_from_db()
    assert token.message == "Saved"  # not saved unless asked


def test_save_writes_the_changes_and_nothing_when_nothing_changed(token, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert model_update(instance=token, data={"message": "Saved"}, save=True) == []
    assert model_update(instance=token, data={"message": "Done"}, save=True) == ["message"]
    token.refresh_from_db()
    assert token.message == "Done"


def test_a_related_record_is_compared_by_its_key(token, django_assert_num_queries):
    same = type(token.user).objects.get(pk=token.user_id)
    token = SubmissionToken.objects.get(pk=token.pk)  # the user is not loaded
    with django_assert_num_queries(0):
        assert model_update(instance=token, data={"user": same}) == []
    other = UserFactory()
    assert model_update(instance=token, data={"user": other}) == ["user"]
    assert token.user_id == other.pk


def test_fields_limits_which_values_are_applied(token):
    assert model_update(instance=token, data={"message": "Done", "token": "t-2"}, fields=["token"]) == ["token"]
    assert token.message == "Saved"
