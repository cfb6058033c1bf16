"""An applicant answers the eligibility question and writes an answer to a question with a word
limit: GOV.UK's character count (started by static/js/app.js) counts the words as they type."""

from __future__ import annotations

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from rounds.models import QuestionKind, RoundStatus
from tests.factories import (
    ApplicantMembershipFactory,
    ApplicationQuestionFactory,
    EligibilityQuestionFactory,
    RoundFactory,
)

from .conftest import BROWSER_TEST

pytestmark = BROWSER_TEST


def test_an_applicant_sees_the_words_remaining_as_they_type(logged_in_page):
    now = timezone.now()
    round = RoundFactory(
        reference="CSF-LIVE",
        name="Community Safety Fund",
        status=RoundStatus.PUBLISHED,
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=10),
    )
    EligibilityQuestionFactory(round=round, key="constituted", question="Are you constituted?", required_answer=True)
    ApplicationQuestionFactory(round=round, key="need", text="What is the need?", kind=QuestionKind.TEXT, word_limit=5)
    lead = ApplicantMembershipFactory()
    page = logged_in_page(lead.user)

    page.goto("/apply/")
    page.get_by_role("link", name="Apply to Community Safety Fund").click()
    page.get_by_role("button", name="Start an application").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Eligibility")
    page.get_by_label("No").check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You cannot apply to this round")
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_label("Project title").fill("Safer streets")
    page.get_by_label("Amount you are asking for").fill("5000")
    page.get_by_role("button", name="Save and continue").click()

    answer = page.get_by_label("What is the need?")
    answer.fill("Young people need help")
    expect(page.locator(".govuk-character-count__status")).to_have_text("You have 1 word remaining")
    answer.fill("one two three four five six seven")
    expect(page.locator(".govuk-character-count__status")).to_have_text("You have 2 words too many")
