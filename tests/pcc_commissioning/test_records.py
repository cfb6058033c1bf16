import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from pcc_commissioning.records import save_unique


@pytest.mark.django_db
def test_save_unique_turns_a_clash_into_a_field_error_and_keeps_the_transaction_usable():
    Group.objects.create(name="Taken")
    with transaction.atomic():
        with pytest.raises(ValidationError) as refused:
            save_unique(Group(name="Taken"), field="name", message="That name is taken.")
        assert refused.value.message_dict == {"name": ["That name is taken."]}
        Group.objects.create(name="Still works")  # the outer transaction was not broken
    assert Group.objects.filter(name="Still works").exists()
