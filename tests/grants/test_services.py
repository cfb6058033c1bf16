"""The grants services: every rule of the issue, each bad input refused with the field named
and nothing saved."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from grants.awards import cofunding as awards_cofunding
from grants.awards import documents as awards_documents
from grants.awards import rules as awards_rules
from grants.awards import services as awards_services
from grants.awards.rules import LineInput
from grants.awards.transitions import ACTIONS, TRANSITIONS, actions_for
from grants.decisions import services as decisions_services
from grants.funding import services as funding_services
from grants.models import (
    Award,
    AwardDocument,
    AwardStatus,
    AwardTransition,
    CoFunding,
    Decision,
    DecisionStatus,
    ForecastOutturn,
    FundingLine,
    FundingStream,
    Payment,
    PriorityBudget,
    StreamAllocation,
    StreamKind,
)
from grants.payments import services as payments_services
from pcc_commissioning.concurrency import NO_RECORD_VERSION, STALE_MESSAGE
from tests.factories import (
    AwardFactory,
    CommissioningPriorityFactory,
    DecisionFactory,
    FundingLineFactory,
    FundingStreamFactory,
    KPQFactory,
    OrganisationFactory,
    PaymentFactory,
)
from tests.factories.providers import PDF_BYTES

pytestmark = pytest.mark.django_db

D = Decimal
APR_2019 = datetime.date(2019, 4, 1)
MAR_2020 = datetime.date(2020, 3, 31)
MAR_2021 = datetime.date(2021, 3, 31)


def errors_of(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def moj(db):
    return OrganisationFactory(name="Ministry of Justice", kind="central_government")


@pytest.fixture
def provider(db):
    return OrganisationFactory(name="Victim Care Durham")


@pytest.fixture
def priority(db):
    return CommissioningPriorityFactory(code="V", name="Victims services")


@pytest.fixture
def core(moj):
    return FundingStreamFactory(name="MoJ Core", source=moj)


@pytest.fixture
def precept(db):
    return FundingStreamFactory(name="Precept", kind=StreamKind.PRECEPT)


@pytest.fixture
def signed_decision(db):
    return DecisionFactory(reference="PCC-2019-033", signed=True)


@pytest.fixture
def create(officer, provider, priority, core):
    """award_create with sensible defaults: a 2019/20 grant of £10,000 from MoJ Core."""

    def make(**kwargs):
        values = {
            "actor": officer,
            "title": "Independent sexual violence advisers",
            "provider": provider,
            "kind": "grant",
            "priority": priority,
            "start_date": APR_2019,
            "end_date": MAR_2020,
            "lines": [LineInput(core, 2019, D("10000.00"))],
        }
        values.update(kwargs)
        return awards_services.award_create(**values)

    return make


def nothing_saved():
    return (Award.objects.count(), FundingLine.objects.count(), AwardTransition.objects.count()) == (0, 0, 0)


# Funding streams, allocations and budgets ------------------------------------------------------


def test_stream_create_saves_the_stream_and_who_created_it(officer, moj):
    stream = funding_services.stream_create(
        actor=officer,
        name="  MoJ victims' services grant (Core) ",
        source=moj,
        kind="central_government",
        moj_reported=True,
        ring_fenced_for="",
    )
    stream.refresh_from_db()
    assert stream.name == "MoJ victims' services grant (Core)"
    assert stream.moj_reported is True
    assert stream.history.get().history_user == officer


def test_stream_create_refuses_a_duplicate_name_ignoring_capitals_and_missing_source(officer, core):
    with pytest.raises(ValidationError) as excinfo:
        funding_services.stream_create(actor=officer, name="moj core", source=None, kind="nonsense")
    errors = errors_of(excinfo)
    assert "already a funding stream" in errors["name"][0]
    assert set(errors) == {"name", "source", "kind"}
    assert FundingStream.objects.count() == 1


def test_stream_update_refuses_a_stale_version_and_keeps_the_first_save(officer, core):
    loaded = core.version
    funding_services.stream_update(stream=core, actor=officer, expected_version=loaded, ring_fenced_for="ISVA")
    with pytest.raises(ValidationError) as excinfo:
        funding_services.stream_update(stream=core, actor=officer, expected_version=loaded, name="Renamed")
    assert excinfo.value.messages == [STALE_MESSAGE]
    core.refresh_from_db()
    assert (core.name, core.ring_fenced_for, core.version) == ("MoJ Core", "ISVA", loaded + 1)


def test_allocation_set_creates_then_replaces_the_year(finance_officer, core):
    funding_services.allocation_set(actor=finance_officer, stream=core, fy=2019, amount=D("842100.00"))
    allocation = funding_services.allocation_set(
        actor=finance_officer, stream=core, fy=2019, amount="850000", notes="Uplift"
    )
    assert StreamAllocation.objects.filter(stream=core).count() == 1
    allocation.refresh_from_db()
    assert (allocation.amount, allocation.notes) == (D("850000.00"), "Uplift")
    assert allocation.history.first().history_user == finance_officer


def test_allocation_and_budget_refuse_a_stale_version_and_keep_the_first_save(finance_officer, core, priority):
    for setter, owner in (
        (funding_services.allocation_set, {"stream": core}),
        (funding_services.budget_set, {"priority": priority}),
    ):
        first = setter(actor=finance_officer, fy=2019, amount=D("1000"), expected_version=NO_RECORD_VERSION, **owner)
        with pytest.raises(ValidationError) as excinfo:  # a second page that also showed no figure
            setter(actor=finance_officer, fy=2019, amount=D("2000"), expected_version=NO_RECORD_VERSION, **owner)
        assert excinfo.value.messages == [STALE_MESSAGE]
        setter(actor=finance_officer, fy=2019, amount=D("1500"), expected_version=1, **owner)
        with pytest.raises(ValidationError):  # a page that showed version 1
            setter(actor=finance_officer, fy=2019, amount=D("3000"), expected_version=1, **owner)
        first.refresh_from_db()
        assert (first.amount, first.version) == (D("1500.00"), 2)
        first.delete()
        with pytest.raises(ValidationError):  # a page that showed the figure someone removed since
            setter(actor=finance_officer, fy=2019, amount=D("3000"), expected_version=2, **owner)
        assert not type(first).objects.exists()


@pytest.mark.parametrize(
    ("fy", "amount", "field"),
    [(2019, D("-1.00"), "amount"), (2019, "lots", "amount"), (2019, D("1.001"), "amount"), ("2019/21", D("1"), "fy")],
)
def test_allocation_and_budget_refuse_bad_input(finance_officer, core, priority, fy, amount, field):
    with pytest.raises(ValidationError) as excinfo:
        funding_services.allocation_set(actor=finance_officer, stream=core, fy=fy, amount=amount)
    assert field in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        funding_services.budget_set(actor=finance_officer, priority=priority, fy=fy, amount=amount)
    assert field in errors_of(excinfo)
    assert not StreamAllocation.objects.exists() and not PriorityBudget.objects.exists()


def test_budget_set_accepts_a_financial_year_label(finance_officer, priority):
    budget = funding_services.budget_set(actor=finance_officer, priority=priority, fy="2019/20", amount=D("120000"))
    assert (budget.fy, budget.amount) == (2019, D("120000.00"))


# Decisions ----------------------------------------------------------------------------------------


def test_decision_create_is_a_draft_and_references_are_unique_ignoring_capitals(officer):
    decision = decisions_services.decision_create(
        actor=officer, reference="PCC-2019-033", subject="Victims' services 2019/20"
    )
    assert decision.status == DecisionStatus.DRAFT
    with pytest.raises(ValidationError) as excinfo:
        decisions_services.decision_create(actor=officer, reference="pcc-2019-033", subject="Another")
    assert "reference" in errors_of(excinfo)
    assert Decision.objects.count() == 1


def test_decision_sign_records_who_and_when_and_defaults_to_today(officer):
    decision = decisions_services.decision_create(
        actor=officer, reference="PCC-2019-040", subject="Grants", amount=D("30000")
    )
    signed = decisions_services.decision_sign(decision=decision, actor=officer)
    signed.refresh_from_db()
    assert signed.status == DecisionStatus.SIGNED
    assert signed.decided_on == timezone.localdate()
    assert signed.signed_by == officer and signed.signed_at is not None


def test_decision_sign_refuses_a_future_date_and_a_second_signature(officer):
    decision = decisions_services.decision_create(
        actor=officer, reference="PCC-2019-041", subject="Grants", amount=D("30000")
    )
    with pytest.raises(ValidationError) as excinfo:
        decisions_services.decision_sign(
            decision=decision, actor=officer, decided_on=timezone.localdate() + datetime.timedelta(days=1)
        )
    assert "decided_on" in errors_of(excinfo)
    assert Decision.objects.get().status == DecisionStatus.DRAFT
    decisions_services.decision_sign(decision=decision, actor=officer, decided_on=datetime.date(2019, 3, 1))
    with pytest.raises(ValidationError) as excinfo:
        decisions_services.decision_sign(decision=decision, actor=officer)
    assert "status" in errors_of(excinfo)


def test_signed_decision_cannot_be_edited(officer, signed_decision):
    with pytest.raises(ValidationError) as excinfo:
        decisions_services.decision_update(
            decision=signed_decision, actor=officer, expected_version=signed_decision.version, subject="Changed"
        )
    assert "status" in errors_of(excinfo)
    signed_decision.refresh_from_db()
    assert signed_decision.subject != "Changed"


def test_draft_decision_edit_refuses_a_stale_version(officer):
    decision = decisions_services.decision_create(actor=officer, reference="PCC-2019-050", subject="First")
    loaded = decision.version
    decisions_services.decision_update(decision=decision, actor=officer, expected_version=loaded, subject="Second")
    with pytest.raises(ValidationError, match="Someone else saved"):
        decisions_services.decision_update(decision=decision, actor=officer, expected_version=loaded, subject="Third")
    assert Decision.objects.get().subject == "Second"


def test_decision_publish_needs_a_signed_decision_and_a_date_after_the_decision(officer):
    decision = decisions_services.decision_create(
        actor=officer, reference="PCC-2019-060", subject="Grants", amount=D("30000")
    )
    with pytest.raises(ValidationError) as excinfo:
        decisions_services.decision_publish(decision=decision, actor=officer)
    assert "status" in errors_of(excinfo)
    decisions_services.decision_sign(decision=decision, actor=officer, decided_on=datetime.date(2019, 3, 1))
    with pytest.raises(ValidationError) as excinfo:
        decisions_services.decision_publish(decision=decision, actor=officer, published_on=datetime.date(2019, 2, 28))
    assert "published_on" in errors_of(excinfo)
    published = decisions_services.decision_publish(
        decision=decision, actor=officer, published_on=datetime.date(2019, 3, 8)
    )
    assert (published.status, published.published_on) == (DecisionStatus.PUBLISHED, datetime.date(2019, 3, 8))


def test_decision_get_or_create_signs_a_dated_new_decision_and_reuses_an_existing_one(officer):
    decision, created = decisions_services.decision_get_or_create(
        actor=None, reference="PCC-2019-033", decided_on=datetime.date(2019, 3, 14)
    )
    assert created and decision.status == DecisionStatus.SIGNED
    assert decision.decided_on == datetime.date(2019, 3, 14) and decision.subject == "PCC-2019-033"
    again, created = decisions_services.decision_get_or_create(
        actor=None, reference="pcc-2019-033", decided_on=datetime.date(2019, 3, 14)
    )
    assert (again.pk, created) == (decision.pk, False)
    undated, created = decisions_services.decision_get_or_create(actor=officer, reference="PCC-2019-034")
    assert created and undated.status == DecisionStatus.DRAFT


def test_decision_get_or_create_refuses_a_different_date_for_an_existing_decision(signed_decision):
    with pytest.raises(ValidationError) as excinfo:
        decisions_services.decision_get_or_create(
            actor=None, reference="PCC-2019-033", decided_on=datetime.date(2019, 5, 1)
        )
    assert "decided_on" in errors_of(excinfo)


# Creating awards ------------------------------------------------------------------------------------


def test_award_create_generates_a_reference_and_records_lines_history_and_first_transition(
    create, officer, core, precept
):
    kpq = KPQFactory(number=3)
    award = create(
        lines=[LineInput(core, 2019, D("6000.00")), LineInput(precept, 2019, D("4000.50"))],
        kpqs=[kpq],
        note="From the commissioning intentions",
    )
    award.refresh_from_db()
    assert award.reference == "AWD-2019-0001"
    assert award.status == AwardStatus.PLANNED
    assert sorted(award.lines.values_list("stream__name", "amount")) == [
        ("MoJ Core", D("6000.00")),
        ("Precept", D("4000.50")),
    ]
    assert list(award.kpqs.all()) == [kpq]
    transition = award.transitions.get()
    assert (transition.from_status, transition.to_status, transition.by, transition.note) == (
        "",
        AwardStatus.PLANNED,
        officer,
        "From the commissioning intentions",
    )
    assert award.history.first().history_user == officer
    assert {line.history.get().history_user for line in award.lines.all()} == {officer}
    assert create().reference == "AWD-2019-0002"


def test_generated_reference_uses_the_financial_year_of_the_start_date(create):
    award = create(start_date=datetime.date(2020, 3, 1), end_date=datetime.date(2021, 2, 28), lines=[])
    assert award.reference == "AWD-2019-0001"


def test_award_reference_next_follows_the_highest_number_of_that_year_only():
    AwardFactory(reference="AWD-2019-0042")
    AwardFactory(reference="AWD-2019-0009")
    AwardFactory(reference="AWD-2020-0100")
    AwardFactory(reference="AWD-2019-EXTRA")
    assert awards_services.award_reference_next(fy=2019) == "AWD-2019-0043"
    AwardFactory(reference="AWD-2019-9999")
    assert awards_services.award_reference_next(fy=2019) == "AWD-2019-10000"
    assert awards_services.award_reference_next(fy=2021) == "AWD-2021-0001"


def test_generated_reference_taken_meanwhile_is_retried_with_the_next(create, monkeypatch):
    AwardFactory(reference="AWD-2019-0001")
    real = awards_services.award_reference_next
    calls = []

    def stale_first(*, fy):
        calls.append(fy)
        return "AWD-2019-0001" if len(calls) == 1 else real(fy=fy)

    monkeypatch.setattr(awards_services, "award_reference_next", stale_first)
    assert create().reference == "AWD-2019-0002"
    assert len(calls) == 2


def test_award_create_keeps_an_imported_reference(create):
    assert create(reference=" DUR-19-007 ").reference == "DUR-19-007"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        (
            {"start_date": datetime.date(2019, 6, 1), "end_date": datetime.date(2019, 5, 31), "lines": []},
            "end_date",
            "same as or after the start",
        ),
        ({"lines": "negative"}, "lines", "cannot be negative"),
        ({"lines": "outside"}, "lines", "outside the award's dates"),
        ({"lines": "twice"}, "lines", "already a line for this stream and year"),
        ({"reference": "awd-2019-0042"}, "reference", "already an award with the reference"),
        ({"status": "approved"}, "status", "Choose a status"),
        ({"status": AwardStatus.AWARDED, "lines": "over_limit"}, "decision", "delegated limit"),
        ({"title": "  "}, "title", "Enter the title"),
        ({"kind": "loan"}, "kind", "Choose the kind"),
        ({"provider": None}, "provider", "Choose the provider"),
    ],
)
def test_award_create_refuses_bad_input_naming_the_field_and_saves_nothing(create, core, changes, field, words):
    existing = AwardFactory(reference="AWD-2019-0042")
    special = {
        "negative": [LineInput(core, 2019, D("-0.01"))],
        "outside": [LineInput(core, 2020, D("100.00"))],
        "twice": [LineInput(core, 2019, D("100.00")), LineInput(core, 2019, D("200.00"))],
        "over_limit": [LineInput(core, 2019, D("25000.01"))],
    }
    if isinstance(changes.get("lines"), str):
        changes = {**changes, "lines": special[changes["lines"]]}
    with pytest.raises(ValidationError) as excinfo:
        create(**changes)
    errors = errors_of(excinfo)
    assert field in errors and words in " ".join(errors[field])
    assert list(Award.objects.all()) == [existing]
    assert not FundingLine.objects.exists() and not AwardTransition.objects.exists()


def test_a_line_message_names_the_line_stream_and_year(create, core):
    with pytest.raises(ValidationError) as excinfo:
        create(lines=[LineInput(core, 2019, D("5")), LineInput(core, 2021, D("5"))])
    assert errors_of(excinfo)["lines"] == [
        "Funding line 2 (MoJ Core, 2021/22): 2021/22 is outside the award's dates, which cover 2019/20."
    ]


def test_lines_may_cover_every_year_the_dates_touch(create, core):
    award = create(
        start_date=datetime.date(2019, 10, 1),
        end_date=datetime.date(2021, 4, 1),
        lines=[LineInput(core, year, D("100")) for year in (2019, 2020, 2021)],
    )
    assert sorted(award.lines.values_list("fy", flat=True)) == [2019, 2020, 2021]


@pytest.mark.parametrize(
    ("amount", "decision", "accepted"),
    [
        (D("25000.00"), None, True),
        (D("25000.01"), None, False),
        (D("25000.01"), "draft", False),
        (D("25000.01"), "signed", True),
    ],
)
def test_delegated_limit_on_creating_an_awarded_award(create, core, amount, decision, accepted):
    linked = {"draft": DecisionFactory(), "signed": DecisionFactory(signed=True)}.get(decision)
    kwargs = {"status": AwardStatus.AWARDED, "lines": [LineInput(core, 2019, amount)], "decision": linked}
    if accepted:
        assert create(**kwargs).status == AwardStatus.AWARDED
    else:
        with pytest.raises(ValidationError) as excinfo:
            create(**kwargs)
        assert "£25,000.01" in errors_of(excinfo)["decision"][0]
        assert nothing_saved()


def test_delegated_limit_is_a_setting(create, core, settings):
    settings.DELEGATED_LIMIT = D("10000")
    assert decisions_services.delegated_limit() == D("10000")
    with pytest.raises(ValidationError) as excinfo:
        create(status=AwardStatus.ACTIVE, lines=[LineInput(core, 2019, D("10000.01"))])
    assert "£10,000.00" in errors_of(excinfo)["decision"][0]


def test_a_planned_award_above_the_limit_needs_no_decision_yet(create, core):
    assert create(lines=[LineInput(core, 2019, D("90000"))]).status == AwardStatus.PLANNED


# Updating awards -------------------------------------------------------------------------------------


def test_second_of_two_officers_editing_one_award_is_refused_and_nothing_is_lost(create, officer, core):
    award = create()
    loaded = Award.objects.get(pk=award.pk)  # both officers open the edit page
    first = awards_services.award_update(
        award=loaded,
        actor=officer,
        expected_version=loaded.version,
        title="First title",
        lines=[LineInput(core, 2019, D("12000"))],
    )
    with pytest.raises(ValidationError) as excinfo:
        awards_services.award_update(
            award=loaded,
            actor=officer,
            expected_version=loaded.version,
            title="Second title",
            lines=[LineInput(core, 2019, D("1"))],
        )
    assert excinfo.value.messages == [STALE_MESSAGE]
    award.refresh_from_db()
    assert award.title == "First title" and award.version == first.version
    assert list(award.lines.values_list("amount", flat=True)) == [D("12000.00")]


def test_award_update_replaces_lines_changing_only_what_differs(create, officer, core, precept):
    award = create(
        start_date=APR_2019, end_date=MAR_2021, lines=[LineInput(core, 2019, D("100")), LineInput(core, 2020, D("200"))]
    )
    kept = award.lines.get(fy=2019)
    awards_services.award_update(
        award=award,
        actor=officer,
        expected_version=award.version,
        lines=[LineInput(core, 2019, D("100")), LineInput(precept, 2020, D("300"))],
    )
    assert sorted(award.lines.values_list("stream__name", "fy", "amount")) == [
        ("MoJ Core", 2019, D("100.00")),
        ("Precept", 2020, D("300.00")),
    ]
    assert award.lines.get(fy=2019).pk == kept.pk
    assert kept.history.count() == 1  # untouched line: no new history row


def test_award_update_that_changes_nothing_keeps_the_version(create, officer):
    award = create()
    same = awards_services.award_update(award=award, actor=officer, expected_version=award.version, title=award.title)
    assert same.version == award.version == Award.objects.get().version


def test_award_update_refuses_new_dates_that_leave_a_line_outside(create, officer, core):
    award = create(
        start_date=APR_2019, end_date=MAR_2021, lines=[LineInput(core, 2019, D("100")), LineInput(core, 2020, D("100"))]
    )
    with pytest.raises(ValidationError) as excinfo:
        awards_services.award_update(award=award, actor=officer, expected_version=award.version, end_date=MAR_2020)
    assert "2020/21" in errors_of(excinfo)["end_date"][0]
    assert Award.objects.get().end_date == MAR_2021


def test_award_update_refuses_a_duplicate_reference_and_status_changes(create, officer):
    AwardFactory(reference="DUR-1")
    award = create()
    with pytest.raises(ValidationError) as excinfo:
        awards_services.award_update(award=award, actor=officer, expected_version=award.version, reference="dur-1")
    assert "reference" in errors_of(excinfo)
    with pytest.raises(TypeError):
        awards_services.award_update(
            award=award, actor=officer, expected_version=award.version, status=AwardStatus.ACTIVE
        )
    assert Award.objects.get(pk=award.pk).reference == "AWD-2019-0001"


def test_award_update_holds_a_committed_award_to_the_delegated_limit(create, officer, core):
    award = create(status=AwardStatus.ACTIVE, lines=[LineInput(core, 2019, D("20000"))])
    with pytest.raises(ValidationError) as excinfo:
        awards_services.award_update(
            award=award, actor=officer, expected_version=award.version, lines=[LineInput(core, 2019, D("30000"))]
        )
    assert "decision" in errors_of(excinfo)
    assert FundingLine.objects.get().amount == D("20000.00")
    decision = DecisionFactory(signed=True)
    awards_services.award_update(
        award=award,
        actor=officer,
        expected_version=award.version,
        lines=[LineInput(core, 2019, D("30000"))],
        decision=decision,
    )
    assert FundingLine.objects.get().amount == D("30000.00")


def test_award_update_keeps_lines_that_payments_rely_on(create, officer, finance_officer, core, precept):
    award = create(status=AwardStatus.ACTIVE, lines=[LineInput(core, 2019, D("10000"))])
    payments_services.payment_record(
        actor=finance_officer, award=award, stream=core, amount=D("6000"), due_date=datetime.date(2019, 6, 30)
    )
    with pytest.raises(ValidationError) as excinfo:
        awards_services.award_update(
            award=award, actor=officer, expected_version=award.version, lines=[LineInput(precept, 2019, D("10000"))]
        )
    assert "payments from MoJ Core in 2019/20" in errors_of(excinfo)["lines"][0]
    with pytest.raises(ValidationError) as excinfo:
        awards_services.award_update(
            award=award, actor=officer, expected_version=award.version, lines=[LineInput(core, 2019, D("5999.99"))]
        )
    assert "£6,000.00" in errors_of(excinfo)["lines"][0]
    assert FundingLine.objects.get().amount == D("10000.00")


def test_award_update_sets_kpqs(create, officer):
    award = create(kpqs=[KPQFactory(number=1)])
    kpq3 = KPQFactory(number=3)
    updated = awards_services.award_update(award=award, actor=officer, expected_version=award.version, kpqs=[kpq3])
    assert list(award.kpqs.all()) == [kpq3]
    assert updated.version == award.version + 1


# Status transitions ----------------------------------------------------------------------------------


def test_transitions_are_declared_as_data():
    assert TRANSITIONS[AwardStatus.PLANNED] == {AwardStatus.PROCURING, AwardStatus.AWARDED, AwardStatus.CANCELLED}
    assert TRANSITIONS[AwardStatus.ENDED] == TRANSITIONS[AwardStatus.CANCELLED] == frozenset()
    assert [action.label for action in actions_for(AwardStatus.PLANNED)] == [
        "Start procurement",
        "Mark as awarded",
        "Cancel award",
    ]
    assert [action.label for action in actions_for(AwardStatus.ACTIVE)] == ["Mark as ended", "Cancel award"]
    assert [status for status, action in ACTIONS.items() if action.needs_note] == [AwardStatus.CANCELLED]


ALL_PAIRS = list(itertools.product(AwardStatus.values, AwardStatus.values))


@pytest.mark.parametrize(("from_status", "to_status"), ALL_PAIRS)
def test_every_allowed_transition_works_and_every_other_is_refused(officer, core, from_status, to_status):
    award = AwardFactory(status=from_status)
    FundingLineFactory(award=award, stream=core, amount=D("1000"))
    allowed = to_status in TRANSITIONS[AwardStatus(from_status)]
    if allowed:
        moved = awards_services.award_transition(
            award=award, actor=officer, to_status=to_status, note="Board agreed", expected_version=award.version
        )
        assert moved.status == to_status == Award.objects.get().status
        transition = AwardTransition.objects.get(award=award)
        assert (transition.from_status, transition.to_status, transition.by, transition.note) == (
            from_status,
            to_status,
            officer,
            "Board agreed",
        )
        assert transition.at is not None
        assert Award.history.filter(id=award.pk).first().history_user == officer
    else:
        with pytest.raises(ValidationError) as excinfo:
            awards_services.award_transition(award=award, actor=officer, to_status=to_status, note="Board agreed")
        assert "cannot be marked" in errors_of(excinfo)["status"][0]
        assert Award.objects.get().status == from_status
        assert not AwardTransition.objects.exists()


def test_cancelling_needs_a_note(officer):
    award = AwardFactory(status=AwardStatus.ACTIVE)
    with pytest.raises(ValidationError) as excinfo:
        awards_services.award_transition(award=award, actor=officer, to_status=AwardStatus.CANCELLED, note="  ")
    assert "note" in errors_of(excinfo)
    assert Award.objects.get().status == AwardStatus.ACTIVE


@pytest.mark.parametrize(
    ("lines", "decision", "accepted"),
    [
        ((D("25000.00"),), None, True),
        ((D("25000.01"),), None, False),
        ((D("12500.00"), D("12500.01")), None, False),  # the total over all years counts
        ((D("25000.01"),), "draft", False),
        ((D("25000.01"),), "signed", True),
    ],
)
def test_delegated_limit_on_marking_awarded(officer, core, lines, decision, accepted):
    linked = {"draft": DecisionFactory(), "signed": DecisionFactory(signed=True)}.get(decision)
    award = AwardFactory(status=AwardStatus.PROCURING, end_date=MAR_2021, decision=linked)
    for fy, amount in zip((2019, 2020), lines, strict=False):
        FundingLineFactory(award=award, stream=core, fy=fy, amount=amount)
    if accepted:
        awards_services.award_transition(award=award, actor=officer, to_status=AwardStatus.AWARDED)
        assert Award.objects.get().status == AwardStatus.AWARDED
    else:
        with pytest.raises(ValidationError) as excinfo:
            awards_services.award_transition(award=award, actor=officer, to_status=AwardStatus.AWARDED)
        assert "£25,000.01" in errors_of(excinfo)["decision"][0]
        assert Award.objects.get().status == AwardStatus.PROCURING
        assert not AwardTransition.objects.exists()


def test_transition_refuses_a_stale_version(officer):
    award = AwardFactory(status=AwardStatus.PLANNED)
    loaded = award.version
    awards_services.award_transition(
        award=award, actor=officer, to_status=AwardStatus.PROCURING, expected_version=loaded
    )
    with pytest.raises(ValidationError, match="Someone else saved"):
        awards_services.award_transition(
            award=award, actor=officer, to_status=AwardStatus.CANCELLED, note="x", expected_version=loaded
        )
    assert Award.objects.get().status == AwardStatus.PROCURING


# Co-funding, forecasts, documents -------------------------------------------------------------------


def test_cofunding_set_records_and_replaces_a_partners_contribution(officer, create):
    award = create()
    council = OrganisationFactory(name="Durham County Council")
    awards_cofunding.cofunding_set(actor=officer, award=award, partner=council, fy=2019, amount=D("5000"))
    entry = awards_cofunding.cofunding_set(
        actor=officer, award=award, partner=council, fy=2019, amount=D("7500"), notes="Agreed"
    )
    assert CoFunding.objects.count() == 1
    assert (entry.amount, entry.notes) == (D("7500.00"), "Agreed")


def test_cofunding_refuses_the_provider_a_negative_amount_and_a_year_outside(officer, create, provider):
    award = create()
    with pytest.raises(ValidationError) as excinfo:
        awards_cofunding.cofunding_set(actor=officer, award=award, partner=provider, fy=2021, amount=D("-1"))
    assert set(errors_of(excinfo)) == {"partner", "fy", "amount"}
    assert not CoFunding.objects.exists()


def test_forecast_set_sets_changes_and_clears(officer, create):
    award = create()
    awards_cofunding.forecast_set(actor=officer, award=award, fy=2019, amount=D("9000"))
    forecast = awards_cofunding.forecast_set(actor=officer, award=award, fy=2019, amount=D("9500"))
    assert (forecast.amount, forecast.updated_by) == (D("9500.00"), officer)
    assert ForecastOutturn.objects.count() == 1
    assert awards_cofunding.forecast_set(actor=officer, award=award, fy=2019, amount=None) is None
    assert not ForecastOutturn.objects.exists()


def test_forecast_refuses_a_year_outside_the_award_and_a_negative_amount(officer, create):
    award = create()
    with pytest.raises(ValidationError) as excinfo:
        awards_cofunding.forecast_set(actor=officer, award=award, fy=2020, amount=D("-5"))
    assert set(errors_of(excinfo)) == {"fy", "amount"}


def test_award_document_add_stores_a_pdf_and_refuses_other_files(officer, create):
    award = create()
    document = awards_documents.award_document_add(
        actor=officer,
        award=award,
        kind="grant_agreement",
        title="",
        file=SimpleUploadedFile("agreement.pdf", PDF_BYTES, content_type="application/pdf"),
    )
    assert (document.title, document.uploaded_by) == ("agreement.pdf", officer)
    assert document.file.read() == PDF_BYTES
    with pytest.raises(ValidationError) as excinfo:
        awards_documents.award_document_add(
            actor=officer,
            award=award,
            kind="contract",
            title="Contract",
            file=SimpleUploadedFile("contract.pdf", b"MZ\x90\x00not a pdf", content_type="application/pdf"),
        )
    assert "file" in errors_of(excinfo)
    assert AwardDocument.objects.count() == 1


def test_award_document_with_a_long_file_name_keeps_its_extension(officer, create, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    document = awards_documents.award_document_add(
        actor=officer,
        award=create(),
        kind="contract",
        title="",
        file=SimpleUploadedFile("a" * 250 + ".pdf", PDF_BYTES, content_type="application/pdf"),
    )
    assert document.title == "a" * 196 + ".pdf"  # the title field holds 200 characters
    assert document.file.name.endswith("/" + "a" * 196 + ".pdf")


# Payments -------------------------------------------------------------------------------------------


@pytest.fixture
def active_award(create, core, precept):
    """Active, 2019/20 and 2020/21: MoJ Core £6,000 and Precept £4,000 in 2019/20, Core £5,000 in 2020/21."""
    return create(
        status=AwardStatus.ACTIVE,
        end_date=MAR_2021,
        lines=[LineInput(core, 2019, D("6000")), LineInput(precept, 2019, D("4000")), LineInput(core, 2020, D("5000"))],
    )


def pay(award, stream, amount, due=datetime.date(2019, 6, 30), **kwargs):
    kwargs.setdefault("actor", None)
    return payments_services.payment_record(award=award, stream=stream, amount=amount, due_date=due, **kwargs)


def test_payment_counts_against_the_year_of_its_due_date_unless_told(finance_officer, active_award, core):
    march = pay(active_award, core, D("100"), due=MAR_2020, actor=finance_officer)
    april = pay(active_award, core, D("100"), due=datetime.date(2020, 4, 1), actor=finance_officer)
    arrears = pay(
        active_award,
        core,
        D("100"),
        due=datetime.date(2020, 4, 20),
        fy=2019,
        actor=finance_officer,
        paid_date=datetime.date(2020, 4, 25),
    )
    assert (march.fy, april.fy, arrears.fy) == (2019, 2020, 2019)
    assert march.recorded_by == finance_officer and march.paid_date is None
    assert arrears.is_paid


@pytest.mark.parametrize("status", [AwardStatus.PLANNED, AwardStatus.PROCURING, AwardStatus.CANCELLED])
def test_only_committed_awards_can_be_paid(core, status):
    award = AwardFactory(status=status)
    FundingLineFactory(award=award, stream=core, amount=D("1000"))
    with pytest.raises(ValidationError) as excinfo:
        pay(award, core, D("100"))
    assert "only awarded, active or ended" in errors_of(excinfo)["award"][0]
    assert not Payment.objects.exists()


def test_payment_needs_a_funding_line_for_its_stream_and_year(active_award, precept):
    other = FundingStreamFactory(name="Home Office")
    with pytest.raises(ValidationError) as excinfo:
        pay(active_award, other, D("100"))
    assert "no funding from Home Office" in errors_of(excinfo)["stream"][0]
    with pytest.raises(ValidationError) as excinfo:
        pay(active_award, precept, D("100"), due=datetime.date(2020, 6, 30))
    assert "in 2020/21" in errors_of(excinfo)["fy"][0]
    assert not Payment.objects.exists()


def test_refund_needs_a_reason_and_zero_is_refused(active_award, core):
    with pytest.raises(ValidationError) as excinfo:
        pay(active_award, core, D("-250.00"))
    assert "reason" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        pay(active_award, core, D("0"))
    assert "amount" in errors_of(excinfo)
    assert not Payment.objects.exists()
    pay(active_award, core, D("1000.00"), paid_date=datetime.date(2019, 7, 1))
    refund = pay(active_award, core, D("-250.00"), reason="Underspend returned")
    assert refund.amount == D("-250.00")


def test_payment_beyond_the_years_commitment_is_refused_then_accepted_with_a_recorded_override(
    finance_officer, active_award, core, precept
):
    pay(active_award, core, D("6000.00"))
    pay(active_award, precept, D("4000.00"))  # exactly the £10,000 committed for 2019/20
    with pytest.raises(ValidationError) as excinfo:
        pay(active_award, precept, D("0.01"), actor=finance_officer)
    message = errors_of(excinfo)["amount"][0]
    assert "£0.01 more than its £4,000.00 funding line from that stream" in message and "2019/20" in message
    assert Payment.objects.count() == 2
    with pytest.raises(ValidationError) as excinfo:
        pay(active_award, precept, D("0.01"), actor=None, override_reason="Agreed overspend")
    assert "override_reason" in errors_of(excinfo)
    assert Payment.objects.count() == 2
    payment = pay(active_award, precept, D("0.01"), actor=finance_officer, override_reason="Agreed overspend")
    payment.refresh_from_db()
    assert (payment.override_reason, payment.override_by) == ("Agreed overspend", finance_officer)


def test_another_years_payments_do_not_use_this_years_commitment(active_award, core):
    pay(active_award, core, D("5000"), due=datetime.date(2020, 6, 30))  # all of 2020/21
    assert pay(active_award, core, D("6000")).fy == 2019


def test_a_refund_frees_commitment_for_a_later_payment(active_award, core):
    pay(active_award, core, D("6000"), paid_date=datetime.date(2019, 7, 1))  # all of the 2019/20 core line
    pay(active_award, core, D("-1000"), reason="Credit note CN-12", paid_date=datetime.date(2019, 8, 1))
    assert pay(active_award, core, D("1000")).amount == D("1000.00")


def test_a_refund_may_not_give_back_more_than_was_paid_from_the_stream_that_year(
    finance_officer, active_award, core, precept
):
    # Paid from MoJ Core in 2019/20: £1,000 paid, £500 only scheduled. Precept money and
    # 2020/21 money do not count.
    pay(active_award, core, D("1000.00"), paid_date=datetime.date(2019, 7, 1))
    pay(active_award, core, D("500.00"))
    pay(active_award, precept, D("3000.00"), paid_date=datetime.date(2019, 7, 1))
    pay(active_award, core, D("400.00"), due=datetime.date(2020, 6, 30), paid_date=datetime.date(2020, 7, 1))
    pay(active_award, core, D("-600.00"), reason="Credit note CN-1")
    with pytest.raises(ValidationError) as excinfo:
        pay(active_award, core, D("-400.01"), reason="Credit note CN-2", actor=finance_officer)
    message = errors_of(excinfo)["amount"][0]
    assert "to £1,000.01, £0.01 more than the £1,000.00 paid" in message and "MoJ Core for 2019/20" in message
    assert pay(active_award, core, D("-400.00"), reason="Credit note CN-2").amount == D("-400.00")


def test_a_huge_refund_is_refused_unless_finance_overrides_it_with_a_reason(
    finance_officer, officer, active_award, core
):
    pay(active_award, core, D("6000.00"), paid_date=datetime.date(2019, 7, 1))
    huge = D("-999999999.99")
    with pytest.raises(ValidationError) as excinfo:
        pay(active_award, core, huge, reason="Typing slip", actor=finance_officer)
    assert "more than the £6,000.00 paid" in errors_of(excinfo)["amount"][0]
    # Not a finance officer: the payment service refuses the officer at the door, and an
    # override without a named finance officer (the system) whoever gives a reason.
    with pytest.raises(PermissionDenied):
        pay(active_award, core, D("-6000.01"), reason="Clawback", actor=officer, override_reason="Agreed")
    with pytest.raises(ValidationError) as excinfo:
        pay(active_award, core, D("-6000.01"), reason="Clawback", actor=None, override_reason="Agreed")
    assert errors_of(excinfo)["override_reason"] == ["An override must be recorded by a named finance officer."]
    assert Payment.objects.count() == 1
    refund = pay(
        active_award,
        core,
        D("-6000.01"),
        reason="Clawback",
        actor=finance_officer,
        override_reason="Penalty agreed with the provider, letter of 3 May",
    )
    refund.refresh_from_db()
    assert (refund.override_reason, refund.override_by) == (
        "Penalty agreed with the provider, letter of 3 May",
        finance_officer,
    )


def test_amounts_beyond_a_billion_pounds_are_refused(active_award, core):
    with pytest.raises(ValidationError) as excinfo:
        pay(active_award, core, D("1000000000.01"))
    assert errors_of(excinfo)["amount"] == ["The amount cannot be more than £1,000,000,000."]
    with pytest.raises(ValidationError) as excinfo:
        pay(active_award, core, "1,50")
    assert "ambiguous" in errors_of(excinfo)["amount"][0]


def test_override_reason_is_not_stored_when_no_override_is_needed(finance_officer, active_award, core):
    payment = pay(active_award, core, D("100"), actor=finance_officer, override_reason="Just in case")
    assert (payment.override_reason, payment.override_by) == ("", None)


def test_paid_date_cannot_be_in_the_future(active_award, core):
    with pytest.raises(ValidationError) as excinfo:
        pay(active_award, core, D("100"), paid_date=timezone.localdate() + datetime.timedelta(days=1))
    assert "paid_date" in errors_of(excinfo)


def test_payment_mark_paid(finance_officer, active_award, core):
    payment = pay(active_award, core, D("100"))
    loaded = payment.version
    with pytest.raises(ValidationError) as excinfo:
        payments_services.payment_mark_paid(
            payment=payment, actor=finance_officer, paid_date=timezone.localdate() + datetime.timedelta(days=1)
        )
    assert "paid_date" in errors_of(excinfo)
    paid = payments_services.payment_mark_paid(
        payment=payment, actor=finance_officer, paid_date=datetime.date(2019, 7, 2), expected_version=loaded
    )
    assert Payment.objects.get().paid_date == datetime.date(2019, 7, 2)
    assert paid.history.first().history_user == finance_officer
    with pytest.raises(ValidationError) as excinfo:
        payments_services.payment_mark_paid(payment=payment, actor=finance_officer, paid_date=datetime.date(2019, 7, 3))
    assert "already marked paid" in errors_of(excinfo)["paid_date"][0]


def test_payment_update_rechecks_the_commitment_without_counting_itself(finance_officer, active_award, core):
    payment = pay(active_award, core, D("4000"))
    updated = payments_services.payment_update(
        payment=payment,
        actor=finance_officer,
        expected_version=payment.version,
        amount=D("6000.00"),
        invoice_reference="INV-1",
    )  # the whole core line
    assert (updated.amount, updated.invoice_reference) == (D("6000.00"), "INV-1")
    with pytest.raises(ValidationError) as excinfo:
        payments_services.payment_update(
            payment=updated, actor=finance_officer, expected_version=updated.version, amount=D("6000.01")
        )
    assert "£0.01 more" in errors_of(excinfo)["amount"][0]
    assert Payment.objects.get().amount == D("6000.00")


def test_paid_payment_amount_is_fixed_and_it_cannot_be_deleted(finance_officer, active_award, core):
    payment = pay(active_award, core, D("100"), paid_date=datetime.date(2019, 7, 1))
    with pytest.raises(ValidationError) as excinfo:
        payments_services.payment_update(
            payment=payment, actor=finance_officer, expected_version=payment.version, amount=D("90")
        )
    assert "refund or credit note" in errors_of(excinfo)["amount"][0]
    updated = payments_services.payment_update(
        payment=payment, actor=finance_officer, expected_version=payment.version, po_number="PO-77"
    )
    assert updated.po_number == "PO-77"
    with pytest.raises(ValidationError) as excinfo:
        payments_services.payment_delete(payment=updated, actor=finance_officer)
    assert "paid_date" in errors_of(excinfo)
    assert Payment.objects.count() == 1


def test_scheduled_payment_can_be_deleted(finance_officer, active_award, core):
    payment = pay(active_award, core, D("100"))
    payments_services.payment_delete(payment=payment, actor=finance_officer)
    assert not Payment.objects.exists()
    assert Payment.history.filter(id=payment.pk, history_type="-").get().history_user == finance_officer


def test_payment_update_refuses_a_stale_version(finance_officer, active_award, core):
    payment = pay(active_award, core, D("100"))
    loaded = payment.version
    payments_services.payment_update(payment=payment, actor=finance_officer, expected_version=loaded, amount=D("200"))
    with pytest.raises(ValidationError, match="Someone else saved"):
        payments_services.payment_update(
            payment=payment, actor=finance_officer, expected_version=loaded, amount=D("300")
        )
    assert Payment.objects.get().amount == D("200.00")


def test_factories_build_consistent_payments():
    payment = PaymentFactory()
    assert payment.award.is_committed


def test_a_taken_extension_lengthens_the_years_lines_may_cover(create, officer, core):
    extension = {"extension_months": 12, "extension_until": MAR_2021}
    with pytest.raises(ValidationError) as excinfo:
        create(lines=[LineInput(core, 2020, D("100"))], **extension)  # extension not taken yet
    assert "outside the award's dates" in errors_of(excinfo)["lines"][0]
    award = create(lines=[LineInput(core, 2020, D("100"))], extension_taken=True, **extension)
    assert award.lines.get().fy == 2020
    with pytest.raises(ValidationError) as excinfo:
        awards_services.award_update(award=award, actor=officer, expected_version=award.version, extension_taken=False)
    assert "2020/21" in errors_of(excinfo)["extension_taken"][0]
    assert Award.objects.get().extension_taken is True


# The amount a decision approved ------------------------------------------------------------------------


def test_an_award_may_not_exceed_the_amount_its_signed_decision_approved(officer):
    decision = DecisionFactory(signed=True, amount=D("30000.00"))
    award = AwardFactory(status=AwardStatus.PLANNED, decision=decision)
    line = FundingLineFactory(award=award, amount=D("30000.01"))
    with pytest.raises(ValidationError) as excinfo:
        awards_services.award_transition(award=award, actor=officer, to_status=AwardStatus.AWARDED)
    assert "more than the £30,000.00 that decision" in errors_of(excinfo)["decision"][0]
    line.amount = D("30000.00")  # exactly what was approved
    line.save()
    assert (
        awards_services.award_transition(award=award, actor=officer, to_status=AwardStatus.AWARDED).status == "awarded"
    )


def test_the_awards_under_one_decision_share_its_amount(officer):
    decision = DecisionFactory(signed=True, amount=D("50000.00"))
    first = AwardFactory(status=AwardStatus.AWARDED, decision=decision)
    FundingLineFactory(award=first, amount=D("30000.00"))
    second = AwardFactory(status=AwardStatus.PLANNED, decision=decision)
    FundingLineFactory(award=second, amount=D("20000.01"))
    with pytest.raises(ValidationError) as excinfo:
        awards_services.award_transition(award=second, actor=officer, to_status=AwardStatus.AWARDED)
    assert "with the £30,000.00 of the other awards made under it" in errors_of(excinfo)["decision"][0]


def test_a_committed_awards_lines_cannot_grow_past_its_decision(officer, core):
    decision = DecisionFactory(signed=True, amount=D("10000.00"))
    award = AwardFactory(status=AwardStatus.ACTIVE, decision=decision)
    FundingLineFactory(award=award, stream=core, amount=D("10000.00"))
    with pytest.raises(ValidationError) as excinfo:
        awards_services.award_update(
            award=award,
            actor=officer,
            expected_version=None,
            lines=[awards_rules.LineInput(stream=core, fy=2019, amount=D("12000.00"))],
        )
    assert "decision" in errors_of(excinfo)


def test_signing_needs_the_amount_and_a_negative_amount_is_refused(officer):
    with pytest.raises(ValidationError) as excinfo:
        decisions_services.decision_create(actor=officer, reference="PCC-2019-070", subject="Grants", amount=D("-1"))
    assert "amount" in errors_of(excinfo)
    decision = decisions_services.decision_create(actor=officer, reference="PCC-2019-070", subject="Grants")
    with pytest.raises(ValidationError) as excinfo:
        decisions_services.decision_sign(decision=decision, actor=officer)
    assert "Record the amount the PCC approved" in errors_of(excinfo)["amount"][0]
