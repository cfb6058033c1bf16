"""The MoJ return's workflow (reports.moj.services): start, submit, return to draft, sign off
(freezing the figures), amend; each role's refusals and lost updates. Data: the issue's
hand-built dataset (tests/reports/moj_dataset.py), whose H1 2019/20 return has blocking issues
(AWD-2019-0003 has no Q1 return; AWD-2019-0005's Q2 return is a draft)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from grants.models import FundingLine, MonitoringReturn, Payment, ReturnStatus
from pcc_commissioning.concurrency import STALE_MESSAGE
from reports.models import MojReturn, MojReturnEvent, MojReturnExplanation
from reports.moj import selectors, services
from reports.moj.figures import moj_return_figures
from tests.factories import UserFactory
from tests.factories.grants import FundingStreamFactory, StreamAllocationFactory

from .moj_dataset import build_moj_dataset, returned


@pytest.fixture
def data(db):
    return build_moj_dataset()


@pytest.fixture
def draft(data, officer):
    return services.moj_return_start(fy=2019, half=1, actor=officer)


def _submitted(draft, officer):
    return services.moj_return_submit(moj_return=draft, actor=officer, version=draft.version)


def _explain_all(figures: dict) -> dict[str, str]:
    return {issue["key"]: f"Explained: {issue['key']}" for issue in services.blocking_issues(figures)}


def _sign_off(moj_return, finance, **overrides):
    figures = services.live_figures(moj_return)
    arguments = {
        "moj_return": moj_return,
        "actor": finance,
        "version": moj_return.version,
        "checksum": services.content_checksum(figures),
        "signatory_role": "Chief Finance Officer",
        "explanations": _explain_all(figures),
    }
    return services.moj_return_sign_off(**{**arguments, **overrides})


@pytest.fixture
def finance(db):
    from pcc_commissioning.roles import Role

    return UserFactory(username="cfo", first_name="Fiona", last_name="Finch", role=Role.FINANCE)


@pytest.fixture
def signed_off(draft, officer, finance):
    return _sign_off(_submitted(draft, officer), finance)


# Start ----------------------------------------------------------------------------------------


def test_an_officer_starts_version_1_as_a_draft(draft, officer):
    assert (draft.fy, draft.half, draft.number, draft.status) == (2019, 1, 1, "draft")
    assert draft.created_by == officer and draft.figures is None
    event = MojReturnEvent.objects.get(moj_return=draft)
    assert (event.from_status, event.to_status, event.by) == ("", "draft", officer)


def test_a_half_is_started_once(draft, officer):
    with pytest.raises(ValidationError, match="already been started"):
        services.moj_return_start(fy=2019, half=1, actor=officer)
    assert MojReturn.objects.count() == 1


def test_a_half_with_no_moj_stream_in_scope_cannot_be_started(data, officer):
    with pytest.raises(ValidationError) as error:
        services.moj_return_start(fy=2021, half=1, actor=officer)
    assert "No funding stream reported to the MoJ" in str(error.value) and "2021/22" in str(error.value)
    assert not MojReturn.objects.exists()


def test_a_bad_half_is_refused_naming_the_field(data, officer):
    with pytest.raises(ValidationError) as error:
        services.moj_return_start(fy=2019, half=3, actor=officer)
    assert "half" in error.value.message_dict


@pytest.mark.parametrize("who", ["finance_officer", "board_member", "provider_user"])
def test_only_officers_start_a_return(data, who, request):
    with pytest.raises(PermissionDenied):
        services.moj_return_start(fy=2019, half=1, actor=request.getfixturevalue(who))
    assert not MojReturn.objects.exists()


# Submit and return to draft ------------------------------------------------------------------


def test_an_officer_submits_and_the_history_records_it(draft, officer):
    submitted = _submitted(draft, officer)
    assert submitted.status == "submitted" and submitted.submitted_by == officer
    assert submitted.version == draft.version + 1
    assert list(MojReturnEvent.objects.filter(moj_return=draft).values_list("from_status", "to_status")) == [
        ("", "draft"),
        ("draft", "submitted"),
    ]


@pytest.mark.parametrize("who", ["finance_officer", "board_member"])
def test_only_officers_submit(draft, who, request):
    with pytest.raises(PermissionDenied):
        services.moj_return_submit(moj_return=draft, actor=request.getfixturevalue(who), version=draft.version)
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_stale_version_is_refused_with_the_concurrency_message(draft, officer):
    stale = draft.version
    _submitted(draft, officer)
    with pytest.raises(ValidationError) as error:
        services.moj_return_reopen(moj_return=draft, actor=officer, version=stale, reason="Wrong figures")
    assert error.value.messages == [STALE_MESSAGE]
    draft.refresh_from_db()
    assert draft.status == "submitted"


def test_a_draft_cannot_be_submitted_twice(draft, officer):
    submitted = _submitted(draft, officer)
    with pytest.raises(ValidationError, match="is submitted for sign-off, so it cannot be"):
        services.moj_return_submit(moj_return=submitted, actor=officer, version=submitted.version)


@pytest.mark.parametrize("who", ["officer", "finance_officer"])
def test_officers_and_finance_return_a_submitted_return_to_draft_saying_why(draft, officer, who, request):
    submitted = _submitted(draft, officer)
    actor = request.getfixturevalue(who)
    with pytest.raises(ValidationError) as error:
        services.moj_return_reopen(moj_return=submitted, actor=actor, version=submitted.version, reason="  ")
    assert "reason" in error.value.message_dict
    reopened = services.moj_return_reopen(
        moj_return=submitted, actor=actor, version=submitted.version, reason="Q1 return of Harbour arrived"
    )
    assert reopened.status == "draft" and reopened.submitted_at is None
    assert MojReturnEvent.objects.filter(moj_return=draft).last().note == "Q1 return of Harbour arrived"


def test_board_members_cannot_return_it_to_draft(draft, officer, board_member):
    submitted = _submitted(draft, officer)
    with pytest.raises(PermissionDenied):
        services.moj_return_reopen(moj_return=submitted, actor=board_member, version=submitted.version, reason="No")


# Sign-off ---------------------------------------------------------------------------------------


def test_sign_off_freezes_the_figures_with_the_signatory_and_explanations(draft, officer, finance):
    submitted = _submitted(draft, officer)
    live = services.live_figures(submitted)
    blocking = services.blocking_issues(live)
    assert {issue["key"] for issue in blocking} >= {
        "missing_return:AWD-2019-0003:2019-Q1",
        "missing_return:AWD-2019-0005:2019-Q2",
    }
    signed = _sign_off(submitted, finance)
    signed.refresh_from_db()
    assert signed.status == "signed_off" and signed.signed_off_by == finance
    assert (signed.signed_off_name, signed.signed_off_role) == ("Fiona Finch", "Chief Finance Officer")
    assert signed.signed_off_at is not None
    figures = signed.figures
    assert figures["status"] == "signed_off" and figures["version"] == 1
    assert figures["signed_off"] == {
        "name": "Fiona Finch",
        "role": "Chief Finance Officer",
        "at": signed.signed_off_at.isoformat(),
    }
    assert [item["key"] for item in figures["explanations"]] == [issue["key"] for issue in blocking]
    assert figures["streams"] == live["streams"] and figures["services"] == live["services"]
    assert signed.figures_checksum == services.content_checksum(live)
    stored = MojReturnExplanation.objects.filter(moj_return=signed)
    assert stored.count() == len(blocking)
    assert stored.get(issue_key="missing_return:AWD-2019-0003:2019-Q1").explanation == (
        "Explained: missing_return:AWD-2019-0003:2019-Q1"
    )
    assert MojReturnEvent.objects.filter(moj_return=signed).last().to_status == "signed_off"


def test_sign_off_is_refused_when_a_blocking_issue_is_not_explained(draft, officer, finance):
    submitted = _submitted(draft, officer)
    explanations = _explain_all(services.live_figures(submitted))
    explanations["missing_return:AWD-2019-0003:2019-Q1"] = "   "
    with pytest.raises(ValidationError) as error:
        _sign_off(submitted, finance, explanations=explanations)
    messages = error.value.message_dict
    assert list(messages) == [services.explanation_field("missing_return:AWD-2019-0003:2019-Q1")]
    assert (
        "AWD-2019-0003 (Harbour): no monitoring return for Q1 2019/20."
        in messages[services.explanation_field("missing_return:AWD-2019-0003:2019-Q1")][0]
    )
    submitted.refresh_from_db()
    assert submitted.status == "submitted" and submitted.figures is None
    assert not MojReturnExplanation.objects.exists()


def test_sign_off_needs_the_signatory_role(draft, officer, finance):
    submitted = _submitted(draft, officer)
    with pytest.raises(ValidationError) as error:
        _sign_off(submitted, finance, signatory_role=" ")
    assert "signatory_role" in error.value.message_dict


def test_sign_off_is_refused_when_the_figures_changed_since_the_page_was_opened(draft, officer, finance, data):
    submitted = _submitted(draft, officer)
    seen = services.content_checksum(services.live_figures(submitted))
    returned(data["a3"], 1, 9, 9)  # Harbour's Q1 return arrives and is accepted meanwhile
    with pytest.raises(ValidationError) as error:
        _sign_off(submitted, finance, checksum=seen)
    assert error.value.messages == [services.CHANGED_SINCE_OPENED]
    assert "figures changed since you opened the page" in services.CHANGED_SINCE_OPENED
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_the_checksum_ignores_when_the_figures_were_computed(draft):
    first = services.live_figures(draft)
    second = {**services.live_figures(draft), "computed_at": "2030-01-01T00:00:00+00:00"}
    assert services.content_checksum(first) == services.content_checksum(second)


@pytest.mark.parametrize("who", ["officer", "board_member"])
def test_only_finance_signs_off(draft, officer, who, request):
    submitted = _submitted(draft, officer)
    with pytest.raises(PermissionDenied):
        _sign_off(submitted, request.getfixturevalue(who))
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_a_draft_cannot_be_signed_off(draft, finance):
    with pytest.raises(ValidationError, match="is draft, so it cannot be signed off"):
        _sign_off(draft, finance)


def test_signed_off_figures_never_change_after_later_edits(signed_off, data):
    frozen = MojReturn.objects.get(pk=signed_off.pk).figures
    # Change awards, payments and returns behind the return.
    FundingLine.objects.filter(award=data["a1"], stream=data["core"]).update(amount=Decimal("99999.00"))
    Payment.objects.filter(award=data["a3"], stream=data["core"]).update(amount=Decimal("1.00"))
    MonitoringReturn.objects.filter(award=data["a1"], quarter=1).update(supported=999, referrals=999)
    MonitoringReturn.objects.filter(award=data["a5"], quarter=2).update(status=ReturnStatus.ACCEPTED, rag="green")
    returned(data["a3"], 1, 40, 30)
    StreamAllocationFactory(stream=FundingStreamFactory(name="MoJ New", moj_reported=True), fy=2019)

    reloaded = MojReturn.objects.get(pk=signed_off.pk)
    assert reloaded.figures == frozen
    assert selectors.moj_return_figures_for(reloaded) == frozen
    live = moj_return_figures(fy=2019, half=1)
    assert live["totals"] != frozen["totals"]  # the live figures did move
    assert services.content_checksum(frozen) == reloaded.figures_checksum


# Amendments -----------------------------------------------------------------------------------


def test_an_amendment_is_version_2_listing_its_differences(signed_off, officer, data):
    FundingLine.objects.filter(award=data["a1"], stream=data["core"]).update(amount=Decimal("45000.00"))
    amendment = services.moj_return_amend(moj_return=signed_off, actor=officer, reason="Victim Care's grant grew")
    assert (amendment.number, amendment.status, amendment.amends) == (2, "draft", signed_off)
    assert amendment.amendment_reason == "Victim Care's grant grew"
    figures = selectors.moj_return_figures_for(amendment)
    assert figures["version"] == 2 and figures["status"] == "draft"
    differences = selectors.moj_return_differences(amendment, figures)
    changed = {difference.path: (difference.old, difference.new) for difference in differences}
    assert changed["Stream MoJ Core › committed"] == ("75000.00", "80000.00")
    assert changed["Service AWD-2019-0001 › committed"] == ("40000.00", "45000.00")
    assert not any(path.startswith("Stream MoJ ISVA") for path in changed)
    event = MojReturnEvent.objects.get(moj_return=amendment)
    assert event.note == "Amends version 1: Victim Care's grant grew"
    assert selectors.moj_return_latest(fy=2019, half=1) == amendment
    assert selectors.moj_return_differences(signed_off, signed_off.figures) == []


def test_an_amendment_needs_a_reason(signed_off, officer):
    with pytest.raises(ValidationError) as error:
        services.moj_return_amend(moj_return=signed_off, actor=officer, reason="")
    assert "reason" in error.value.message_dict
    assert MojReturn.objects.count() == 1


def test_only_the_latest_signed_off_version_is_amended(signed_off, draft, officer, finance):
    with pytest.raises(ValidationError, match="Only a signed-off return can be amended"):
        services.moj_return_amend(moj_return=MojReturn.objects.create(fy=2019, half=2), actor=officer, reason="x")
    amendment = services.moj_return_amend(moj_return=signed_off, actor=officer, reason="Late return")
    with pytest.raises(ValidationError, match="Version 2 of this return already exists"):
        services.moj_return_amend(moj_return=signed_off, actor=officer, reason="Again")
    amendment = _sign_off(_submitted(amendment, officer), finance)
    third = services.moj_return_amend(moj_return=amendment, actor=officer, reason="Another late return")
    assert third.number == 3 and third.amends == amendment


@pytest.mark.parametrize("who", ["finance_officer", "board_member"])
def test_only_officers_amend(signed_off, who, request):
    with pytest.raises(PermissionDenied):
        services.moj_return_amend(moj_return=signed_off, actor=request.getfixturevalue(who), reason="Because")
    assert MojReturn.objects.count() == 1


def test_the_workflow_is_declared_as_data():
    assert {name: (sorted(t.sources), t.target) for name, t in services.TRANSITIONS.items()} == {
        "submit": (["draft"], "submitted"),
        "reopen": (["submitted"], "draft"),
        "sign_off": (["submitted"], "signed_off"),
    }


def test_the_actions_offered_follow_the_role_and_status(draft, officer, finance, board_member):
    assert [t.name for t in services.allowed_transitions(officer, draft)] == ["submit"]
    assert services.allowed_transitions(finance, draft) == []
    submitted = _submitted(draft, officer)
    assert [t.name for t in services.allowed_transitions(officer, submitted)] == ["reopen"]
    assert [t.name for t in services.allowed_transitions(finance, submitted)] == ["reopen", "sign_off"]
    assert services.allowed_transitions(board_member, submitted) == []


def test_a_signatory_without_a_full_name_signs_with_the_username(draft, officer, finance_officer):
    signed = _sign_off(_submitted(draft, officer), finance_officer)
    assert signed.signed_off_name == finance_officer.get_full_name() or "finance"
    assert isinstance(signed.signed_off_at, datetime.datetime)
