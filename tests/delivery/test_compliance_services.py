"""Compliance writes: a figure set by key, reviews and their actions, the Code's editions, and
every bad input refused with a message naming the field."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from delivery.compliance import services
from delivery.models import CodeEdition, ComplianceFigure, ComplianceMeasure
from pcc_commissioning.roles import Role
from tests.factories import OrganisationFactory, UserFactory
from tests.factories.delivery import (
    CodeEditionFactory,
    ComplianceMeasureFactory,
    ReviewActionFactory,
    ReviewMeetingFactory,
)

pytestmark = pytest.mark.django_db

CODE_2020 = "Code of Practice for Victims of Crime 2020"


def _vps():
    return ComplianceMeasure.objects.get(edition__name=CODE_2020, key="vps")


def _record(actor=None, **changes):
    values = {
        "body": changes.pop("body", None) or OrganisationFactory(name="Durham Constabulary"),
        "measure": _vps(),
        "fy": 2025,
        "quarter": 1,
        "numerator": 412,
        "denominator": 500,
        "breakdown": {},
    }
    values.update(changes)
    return services.figure_record(actor=actor, **values)


def _errors(excinfo) -> dict:
    return excinfo.value.message_dict


def test_the_2020_code_is_there_with_twelve_rights_and_five_measures():
    edition = CodeEdition.objects.get(name=CODE_2020)
    assert edition.in_force_from == datetime.date(2021, 4, 1)
    assert list(edition.rights.values_list("number", flat=True)) == list(range(1, 13))
    measures = {m.key: m.right.number for m in edition.measures.select_related("right")}
    assert measures == {"acknowledgement": 3, "referral": 4, "updates": 6, "vps": 7, "release": 11}


def test_a_figure_is_created_then_replaced_then_left_alone(officer):
    body = OrganisationFactory(name="Durham Constabulary")
    figure, change = _record(officer, body=body)
    assert change == services.CREATED
    assert (figure.numerator, figure.denominator, figure.recorded_by) == (412, 500, officer)
    figure, change = _record(officer, body=body, numerator=420, breakdown={"sex": {"Female": [200, 240]}})
    assert change == services.UPDATED
    assert ComplianceFigure.objects.get().numerator == 420
    assert ComplianceFigure.objects.get().breakdown == {"sex": {"Female": [200, 240]}}
    _figure, change = _record(officer, body=body, numerator=420, breakdown={"sex": {"Female": [200, 240]}})
    assert change == services.UNCHANGED


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"numerator": 501}, "numerator"),
        ({"numerator": -1}, "numerator"),
        ({"denominator": None}, "denominator"),
        ({"denominator": "500"}, "denominator"),
        ({"quarter": 5}, "quarter"),
        ({"fy": 1066}, "fy"),
        ({"measure": None}, "measure"),
        ({"fy": 2019}, "measure"),  # the 2020 Code was not in force in 2019/20
        ({"breakdown": {"sex": {"Female": [60, 50]}}}, "breakdown"),
        ({"breakdown": {"shoe_size": {"9": [1, 2]}}}, "breakdown"),
        ({"breakdown": {"crime_type": {"Burglary": [300, 400], "Robbery": [150, 200]}}}, "breakdown"),
    ],
)
def test_a_bad_figure_is_refused_naming_the_field(changes, field):
    with pytest.raises(ValidationError) as excinfo:
        _record(**changes)
    assert field in _errors(excinfo)
    assert not ComplianceFigure.objects.exists()


def test_a_body_that_is_not_an_organisation_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        services.figure_record(
            actor=None, body="Durham", measure=_vps(), fy=2025, quarter=1, numerator=1, denominator=2
        )
    assert "body" in _errors(excinfo)


@pytest.mark.parametrize("role", [Role.BOARD, Role.FINANCE, Role.PARTNER])
def test_only_officers_record_figures(role):
    with pytest.raises(PermissionDenied):
        _record(UserFactory(role=role))


def test_a_review_meeting_and_its_actions(officer):
    police = OrganisationFactory(name="Durham Constabulary")
    meeting = services.review_meeting_create(
        actor=officer, fy=2025, quarter=1, held_on=datetime.date(2025, 7, 15), bodies=[police], notes="First review."
    )
    assert list(meeting.bodies.all()) == [police]
    action = services.review_action_create(
        actor=officer, meeting=meeting, action="Send letters within five days.", body=police, owner="Insp Lee"
    )
    assert action.status == "open"
    updated = services.review_action_update(
        actor=officer,
        review_action=action,
        expected_version=action.version,
        action=action.action,
        body=police,
        owner="Insp Lee",
        status="done",
        outcome="Letters now go out on day two.",
    )
    assert (updated.status, updated.version) == ("done", 2)


def test_closing_an_action_needs_an_outcome_and_a_known_status(officer):
    action = ReviewActionFactory()
    for status, field in (("done", "outcome"), ("dropped", "outcome"), ("finished", "status")):
        with pytest.raises(ValidationError) as excinfo:
            services.review_action_update(
                actor=officer, review_action=action, expected_version=1, action="x", status=status
            )
        assert field in _errors(excinfo)


def test_a_stale_action_edit_is_refused(officer):
    action = ReviewActionFactory()
    services.review_action_update(actor=officer, review_action=action, expected_version=1, action="First")
    with pytest.raises(ValidationError):
        services.review_action_update(actor=officer, review_action=action, expected_version=1, action="Second")
    action.refresh_from_db()
    assert action.action == "First"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"action": "  "}, "action"),
        ({"due_on": "tomorrow"}, "due_on"),
        ({"due_on": datetime.date(1066, 10, 14)}, "due_on"),
        ({"body": "Durham"}, "body"),
    ],
)
def test_a_bad_action_is_refused_naming_the_field(officer, changes, field):
    values = {"action": "Do it", **changes}
    with pytest.raises(ValidationError) as excinfo:
        services.review_action_create(actor=officer, meeting=ReviewMeetingFactory(), **values)
    assert field in _errors(excinfo)


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"quarter": 0}, "quarter"), ({"held_on": None}, "held_on"), ({"fy": "twenty"}, "fy")],
)
def test_a_bad_meeting_is_refused_naming_the_field(officer, changes, field):
    values = {"fy": 2025, "quarter": 1, "held_on": datetime.date(2025, 7, 15), **changes}
    with pytest.raises(ValidationError) as excinfo:
        services.review_meeting_create(actor=officer, **values)
    assert field in _errors(excinfo)


def test_a_new_edition_closes_the_one_in_force(officer):
    edition = services.code_edition_create(
        actor=officer, name="Code of Practice for Victims of Crime 2026", in_force_from=datetime.date(2026, 10, 1)
    )
    old = CodeEdition.objects.get(name=CODE_2020)
    assert old.in_force_to == datetime.date(2026, 9, 30)
    right = services.code_right_add(actor=officer, edition=edition, number=1, title="To be treated with respect")
    measure = services.compliance_measure_add(
        actor=officer, edition=edition, key="Respect", name="Victims treated with respect", right=right
    )
    assert (measure.key, measure.position, measure.right) == ("respect", 1, right)


def test_bad_code_input_is_refused_naming_the_field(officer):
    edition = CodeEdition.objects.get(name=CODE_2020)
    other = CodeEditionFactory(name="Draft code", in_force_from=datetime.date(2030, 1, 1))
    cases = [
        (lambda: services.code_edition_create(actor=officer, name="", in_force_from=datetime.date(2031, 1, 1)), "name"),
        (
            lambda: services.code_edition_create(
                actor=officer, name=CODE_2020.upper(), in_force_from=datetime.date(2031, 1, 1)
            ),
            "name",
        ),
        (
            lambda: services.code_edition_create(
                actor=officer, name="X", in_force_from=datetime.date(2031, 1, 1), in_force_to=datetime.date(2030, 1, 1)
            ),
            "in_force_to",
        ),
        (lambda: services.code_right_add(actor=officer, edition=edition, number=7, title="Again"), "number"),
        (lambda: services.code_right_add(actor=officer, edition=edition, number=13, title=""), "title"),
        (lambda: services.compliance_measure_add(actor=officer, edition=edition, key="vps", name="Again"), "key"),
        (lambda: services.compliance_measure_add(actor=officer, edition=edition, key="1bad", name="X"), "key"),
        (
            lambda: services.compliance_measure_add(
                actor=officer, edition=other, key="x", name="X", right=edition.rights.first()
            ),
            "right",
        ),
    ]
    for call, field in cases:
        with pytest.raises(ValidationError) as excinfo:
            call()
        assert field in _errors(excinfo), field


def test_an_overlapping_edition_is_refused(officer):
    CodeEditionFactory(
        name="Later code", in_force_from=datetime.date(2030, 1, 1), in_force_to=datetime.date(2030, 12, 31)
    )
    with pytest.raises(ValidationError) as excinfo:
        services.code_edition_create(
            actor=officer, name="Clash", in_force_from=datetime.date(2029, 6, 1), in_force_to=datetime.date(2030, 6, 1)
        )
    assert "in_force_from" in _errors(excinfo)
    # Nothing changed: the 2020 Code is still open-ended.
    assert CodeEdition.objects.get(name=CODE_2020).in_force_to is None


def test_the_measure_factory_is_unaffected():
    assert ComplianceMeasureFactory().edition.in_force_from == datetime.date(2021, 4, 1)
