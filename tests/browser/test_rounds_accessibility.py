"""Accessibility of the grant rounds' pages: axe-core (run as tests/browser/test_accessibility.py
runs it) finds no WCAG 2.0, 2.1 or 2.2 A/AA violation on the public pages, registration, the
application journey, the panel member's pages and the officer's ranking; and two forms work with
the keyboard only (Tab to move between fields, the arrow keys within a group of radios as
browsers do, Space and Enter to choose and submit): the scoring form, and the application
journey's check-answers page reached from the application and submitted.

The data comes from the factories (the journey through the pages is
tests/browser/test_round_journey.py); the round is open by the real clock.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from rounds.models import (
    ApplicationStatus,
    AssignmentStatus,
    BudgetLine,
    Eligibility,
    QuestionKind,
    RoundStatus,
    Score,
)
from tests.factories import (
    ApplicantMembershipFactory,
    ApplicationQuestionFactory,
    EligibilityQuestionFactory,
    RoundFactory,
)
from tests.factories.rounds import ApplicationFactory, AssignmentFactory, CriterionFactory, PanelMemberFactory
from tests.factories.users import TEST_PASSWORD

from .conftest import BROWSER_TEST, sign_in
from .test_accessibility import AXE_SOURCE, _axe, _submit_empty
from .test_keyboard_journey import _assert_focus_visible, _by_id, _by_text, _tab_to

pytestmark = BROWSER_TEST


@pytest.fixture
def a_round(settings, tmp_path):
    """An open round with an eligibility question, a text question with a word limit, a budget
    question and two criteria; a draft application of an applicant's organisation ready to
    check, and a received one assigned to an assessor (not declared yet) and scored by a board
    member."""
    settings.MEDIA_ROOT = tmp_path / "media"
    now = timezone.now()
    round = RoundFactory(
        reference="CSF-A11Y",
        name="Community Safety Fund",
        status=RoundStatus.PUBLISHED,
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=10),
        budget=Decimal("20000"),
    )
    EligibilityQuestionFactory(round=round, key="constituted", question="Is your organisation a constituted body?")
    ApplicationQuestionFactory(
        round=round, key="need", text="What need will the project meet?", kind=QuestionKind.TEXT, word_limit=50
    )
    ApplicationQuestionFactory(
        round=round, key="budget", text="How will you spend the grant?", kind=QuestionKind.BUDGET, word_limit=None
    )
    need = CriterionFactory(round=round, key="need", text="Meets a local need", weight=Decimal("60"), position=1)
    delivery = CriterionFactory(round=round, key="delivery", text="Can be delivered", weight=Decimal("40"), position=2)

    lead = ApplicantMembershipFactory(organisation__name="Birch Youth Trust")
    draft = ApplicationFactory(
        round=round,
        organisation=lead.organisation,
        title="Safer streets after dark",
        status=ApplicationStatus.DRAFT,
        submitted_at=None,
        amount_requested=Decimal("8000"),
        eligibility_answers={"constituted": True},
        answers={"need": "Young people have nowhere safe to go in the evenings."},
    )
    BudgetLine.objects.create(application=draft, question_key="budget", item="Youth workers", amount=Decimal("8000"))

    received = ApplicationFactory(
        round=round,
        organisation__name="Oak Community Hub",
        title="Evening youth club",
        eligibility=Eligibility.ELIGIBLE,
        screening_reason="Constituted; within the range.",
        eligibility_answers={"constituted": True},
        answers={"need": "Somewhere to go."},
    )
    BudgetLine.objects.create(application=received, question_key="budget", item="Staff", amount=Decimal("10000"))
    assessor = PanelMemberFactory(round=round, user__first_name="Eve", user__last_name="External")
    undeclared = AssignmentFactory(member=assessor, application=received)
    scored = AssignmentFactory(
        member__round=round,
        member__user__role="Board member",
        application=received,
        status=AssignmentStatus.SUBMITTED,
        declared_at=now,
        submitted_at=now,
    )
    Score.objects.create(assignment=scored, criterion=need, score=4, comment="Clear need.")
    Score.objects.create(assignment=scored, criterion=delivery, score=3)
    return {
        "round": round,
        "lead": lead.user,
        "draft": draft,
        "assessor": assessor.user,
        "assignment": undeclared,
        "criteria": (need, delivery),
    }


def _check(page: Page, failures: dict, label: str) -> None:
    if found := _axe(page):
        failures[label] = found


def test_the_rounds_pages_pass_axe(page: Page, a_round, officer):
    page.context.add_init_script(script=AXE_SOURCE)
    page.set_content("<!DOCTYPE html><html lang='en'><title>Control</title><main><img src='data:,'></main></html>")
    assert any(found.startswith("image-alt") for found in _axe(page)), "axe did not run"
    failures: dict[str, list[str]] = {}
    draft = a_round["draft"]

    # Signed out: the public pages and registering (and its error state).
    for url in ("/funding/", "/funding/CSF-A11Y/", "/apply/register/"):
        page.goto(url)
        _check(page, failures, url)
    assert _submit_empty(page)
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    _check(page, failures, "/apply/register/ (after an empty submission)")

    # The applicant's journey: eligibility (and the refusal), the question with a word limit,
    # the budget, check answers, then the application once sent.
    sign_in(page, a_round["lead"].username, TEST_PASSWORD)
    assert "/accounts/login/" not in page.url
    for label, url in (
        ("eligibility", f"/apply/applications/{draft.pk}/eligibility/"),
        ("question with a word limit", f"/apply/applications/{draft.pk}/questions/need/"),
        ("budget", f"/apply/applications/{draft.pk}/questions/budget/"),
        ("check answers", f"/apply/applications/{draft.pk}/check/"),
    ):
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        _check(page, failures, label)
    page.goto(f"/apply/applications/{draft.pk}/questions/need/")
    page.get_by_label("What need will the project meet?").fill("word " * 60)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    _check(page, failures, "question with a word limit (over the limit)")
    page.goto(f"/apply/applications/{draft.pk}/check/")
    page.get_by_role("button", name="Submit the application").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("has been sent")
    _check(page, failures, "the submitted application")
    page.context.clear_cookies()

    # The assessor: their assessments, the conflict declaration (and its error state), scoring.
    sign_in(page, a_round["assessor"].username, TEST_PASSWORD)
    page.goto("/assess/")
    _check(page, failures, "assess:home")
    page.goto(f"/assess/assignments/{a_round['assignment'].pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Conflict of interest")
    _check(page, failures, "conflict declaration")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    _check(page, failures, "conflict declaration (error)")
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Score")
    _check(page, failures, "scoring")
    page.get_by_role("button", name="Submit scores").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    _check(page, failures, "scoring (error)")
    page.context.clear_cookies()

    # The officer's ranking.
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto("/rounds/CSF-A11Y/ranking/")
    expect(page.locator("main table tbody tr")).to_have_count(2)
    _check(page, failures, "ranking")

    assert failures == {}, "\n".join(f"{label}:\n  " + "\n  ".join(found) for label, found in failures.items())


def test_the_scoring_form_works_with_the_keyboard_only(page: Page, a_round):
    assignment = a_round["assignment"]
    assignment.status = AssignmentStatus.IN_PROGRESS
    assignment.declared_at = timezone.now()
    assignment.save()
    need, delivery = a_round["criteria"]
    sign_in(page, a_round["assessor"].username, TEST_PASSWORD)
    page.goto("/assess/")

    with page.expect_navigation():
        _tab_to(page, _by_text("Evening youth club"))
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Score")
    # A group of radios is one Tab stop: Space chooses the focused one (0, the first), the arrow keys
    # move along the group, choosing as they go.
    _tab_to(page, _by_id(f"id_score_{need.pk}_1"))
    page.keyboard.press("Space")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    _assert_focus_visible(page)
    _tab_to(page, _by_id(f"id_comment_{need.pk}"))
    page.keyboard.type("A clear need, well evidenced.")
    _tab_to(page, _by_id(f"id_score_{delivery.pk}_1"))
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    _tab_to(page, _by_text("Submit scores"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Your scores have been submitted")
    given = dict(Score.objects.filter(assignment=assignment).values_list("criterion__key", "score"))
    assert given == {"need": 4, "delivery": 3}
    assert Score.objects.get(assignment=assignment, criterion=need).comment == "A clear need, well evidenced."


def test_check_answers_is_reached_and_submitted_with_the_keyboard_only(page: Page, a_round):
    draft = a_round["draft"]
    sign_in(page, a_round["lead"].username, TEST_PASSWORD)
    page.goto("/apply/")

    with page.expect_navigation():
        _tab_to(page, _by_text(draft.reference))
        page.keyboard.press("Enter")
    with page.expect_navigation():
        _tab_to(page, _by_text("Check your answers"))
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check your answers")
    with page.expect_navigation():
        _tab_to(page, _by_text("Submit the application"))
        page.keyboard.press("Enter")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("has been sent")
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.SUBMITTED
