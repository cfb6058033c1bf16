"""A create form saves one record however often it is sent (``pcc_commissioning.idempotency``),
shown on the payment form, the form where a duplicate costs money."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from grants.models import AwardStatus, Payment
from pcc_commissioning.idempotency import FIELD, token_lifetime
from pcc_commissioning.models import SubmissionToken
from pcc_commissioning.roles import Role
from tests.factories import AwardFactory, FundingLineFactory, FundingStreamFactory, UserFactory
from tests.submissions import assert_saved_once, form_token, post_twice

SAVED = "A payment of £2,500.00 has been recorded as paid on 1 June 2019."


def _award():
    stream = FundingStreamFactory(name="Core grant")
    award = AwardFactory(status=AwardStatus.ACTIVE)
    FundingLineFactory(award=award, stream=stream, fy=2019, amount=Decimal("10000"))
    return award, stream


def _payment(stream, amount="2500") -> dict:
    return {
        "stream": stream.pk,
        "fy": "",
        "due_date_0": "1",
        "due_date_1": "5",
        "due_date_2": "2019",
        "paid_date_0": "1",
        "paid_date_1": "6",
        "paid_date_2": "2019",
        "amount": amount,
        "reason": "",
        "invoice_reference": "INV-1",
        "po_number": "",
        "override_reason": "",
    }


def _url(award) -> str:
    return reverse("grants:payment_create", kwargs={"pk": award.pk})


@pytest.mark.django_db
def test_the_same_payment_form_sent_twice_records_one_payment_and_says_so(finance_client):
    award, stream = _award()
    first, second = post_twice(finance_client, _url(award), _payment(stream))
    assert Payment.objects.count() == 1
    assert_saved_once(first, second, SAVED)
    assert first["Location"] == reverse("grants:award_detail", kwargs={"pk": award.pk}) + "#payments"
    claim = SubmissionToken.objects.get()
    assert (claim.content_type.model, claim.object_id) == ("payment", str(Payment.objects.get().pk))


@pytest.mark.django_db
def test_a_form_with_errors_keeps_its_token_so_the_corrected_form_saves_once(finance_client):
    award, stream = _award()
    token = form_token(finance_client, _url(award))
    refused = finance_client.post(_url(award), {**_payment(stream, amount="10000.01"), FIELD: token})
    assert refused.status_code == 200 and "There is a problem" in refused.content.decode()
    # The page shown again carries the same token: it still stands for this one form.
    assert f'value="{token}"' in refused.content.decode()
    assert not SubmissionToken.objects.exists() and not Payment.objects.exists()

    assert finance_client.post(_url(award), {**_payment(stream), FIELD: token}).status_code == 302
    again = finance_client.post(_url(award), {**_payment(stream), FIELD: token}, follow=True)
    assert Payment.objects.count() == 1
    assert f"This was already saved: {SAVED}" in again.content.decode()


@pytest.mark.django_db
def test_two_forms_opened_separately_are_two_payments_and_a_form_without_a_token_still_saves(finance_client):
    award, stream = _award()
    for _ in range(2):
        token = form_token(finance_client, _url(award))
        assert finance_client.post(_url(award), {**_payment(stream, "100"), FIELD: token}).status_code == 302
    # A page cached before tokens existed sends none: it is saved as a fresh submission.
    assert finance_client.post(_url(award), _payment(stream, "100")).status_code == 302
    assert Payment.objects.count() == 3


@pytest.mark.django_db
def test_a_token_is_bound_to_the_user_who_got_the_form(finance_client, login_as):
    award, stream = _award()
    token = form_token(finance_client, _url(award))
    assert finance_client.post(_url(award), {**_payment(stream), FIELD: token}).status_code == 302
    colleague = UserFactory(username="finance2", role=Role.FINANCE)
    other = login_as(colleague).post(_url(award), {**_payment(stream, "300"), FIELD: token}, follow=True)
    # Not sent to the first user's payment: the token is not theirs, so their form is a fresh one.
    assert "This was already saved" not in other.content.decode()
    assert sorted(Payment.objects.values_list("amount", flat=True)) == [Decimal("300.00"), Decimal("2500.00")]
    assert Payment.objects.get(amount=Decimal("300")).recorded_by == colleague


@pytest.mark.django_db
def test_old_claims_are_pruned_and_an_expired_form_is_saved_as_a_fresh_one(finance_client, time_machine):
    award, stream = _award()
    time_machine.move_to(datetime.datetime(2026, 5, 1, 9, 0, tzinfo=datetime.UTC))
    token = form_token(finance_client, _url(award))
    assert finance_client.post(_url(award), {**_payment(stream, "100"), FIELD: token}).status_code == 302
    assert SubmissionToken.objects.count() == 1

    time_machine.move_to(
        datetime.datetime(2026, 5, 1, 9, 0, tzinfo=datetime.UTC) + token_lifetime() + datetime.timedelta(minutes=1)
    )
    finance_client.force_login(Payment.objects.get().recorded_by)  # the session has long expired
    # The old token is past its life: the form counts as a fresh one (its claim is gone too).
    assert finance_client.post(_url(award), {**_payment(stream, "200"), FIELD: token}).status_code == 302
    fresh = form_token(finance_client, _url(award))
    assert finance_client.post(_url(award), {**_payment(stream, "300"), FIELD: fresh}).status_code == 302
    assert list(SubmissionToken.objects.values_list("token", flat=True)) == [fresh]
    assert Payment.objects.count() == 3


def test_a_submission_that_loses_the_race_for_its_token_saves_nothing_and_goes_where_the_winner_went(
    finance_client, finance_officer, monkeypatch
):
    """The claim, not the check before it, decides: here a rival request commits the same token
    after this one's check (as it can under concurrency; the PostgreSQL test below races for real)."""
    from pcc_commissioning import clock, idempotency

    award, stream = _award()
    token = form_token(finance_client, _url(award))
    winner = reverse("grants:award_detail", kwargs={"pk": award.pk}) + "#payments"

    def rival_commits() -> None:
        SubmissionToken.objects.create(
            token=token, user=finance_officer, created_at=clock.now(), redirect_url=winner, message=SAVED
        )

    monkeypatch.setattr(idempotency, "_prune", rival_commits)  # runs between the check and the claim
    response = finance_client.post(_url(award), {**_payment(stream), FIELD: token}, follow=True)
    assert not Payment.objects.exists()
    assert response.redirect_chain == [(winner, 302)]
    assert f"This was already saved: {SAVED}" in response.content.decode()


def _post_at_once(clients, url: str, data: dict) -> list:
    """POST ``data`` from each client in its own thread (and so its own database connection),
    released together so the requests overlap."""
    start = threading.Barrier(len(clients))
    responses: list = [None] * len(clients)

    def send(index: int, client: Client) -> None:
        try:
            start.wait()
            responses[index] = client.post(url, data)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(index, client)) for index, client in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_posts_of_one_payment_form_record_one_payment():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL")
    award, stream = _award()
    user = UserFactory(username="finance", role=Role.FINANCE)
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(user)  # two tabs, or a retry, of one signed-in user
    data = {**_payment(stream), FIELD: form_token(clients[0], _url(award))}
    for _ in range(5):  # each round a new form: every round must record exactly one payment
        responses = _post_at_once(clients, _url(award), data)
        assert [response.status_code for response in responses] == [302, 302]
        assert responses[0]["Location"] == responses[1]["Location"]  # both to the one payment's award
        data = {**_payment(stream, "1"), FIELD: form_token(clients[0], _url(award))}
    assert Payment.objects.count() == 5
