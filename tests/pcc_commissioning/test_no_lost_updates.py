"""No lost update: on every page that edits a stored record, a second person's stale form is
refused with ``STALE_MESSAGE`` and the first person's change stands.

Each case loads the edit page as two people of the role that edits it (two officers, two
finance officers, two users of one provider), reads the form each browser would send back
(the hidden ``version`` box included) from the page itself, saves the first person's change,
then submits the second person's form with another change: the page answers with the stale
message in the GOV.UK error summary and the stored value is still the first person's.

``test_every_edit_page_is_covered`` walks the URL resolver: a page whose URL name or view says
"edit" (or "update") that is not in ``CASES`` fails it, so a new edit page must join the table,
and so must send a version. The Django admin's pages of versioned records only show them
(``ReadOnlyAdmin``); ``test_no_admin_page_writes_a_versioned_model`` fails for one that could
write.

State transitions and other writes, and why a stale one is refused or harmless:

- refused, as they send the version (the payment steps and signing a decision are tested here,
  the others beside their views): a payment's approval, marking it paid and its cancellation,
  signing a decision, an award's status change, accepting or returning a monitoring return, an
  intention's status, the MoJ return's submit, return to draft and sign-off, a delivery plan's
  publication moves (publish, back to draft, archive);
- refused by the state they start from, checked under the row lock: publishing a decision
  (only a signed one; the version is checked too), amending the MoJ return (only its latest,
  signed-off version), resending or withdrawing an invitation (only while
  pending), switching a provider user off or on and making them lead or not (not twice),
  recording a board meeting (only of an accepted update), a plan's version from a meeting (one
  per meeting) and the decision recording an update's monitoring (one per update);
- harmless (the result is what the second person asked for, whatever happened in between):
  deleting a contact or a KPI (refused once a return has values for it), removing a co-funder,
  an award document or the payment plan, verifying a document (records who verified it, today);
- set by key, last one wins (a blank form for one year's or period's figure, not an edit of
  what the page showed): an award's forecast for a year, a co-funder's contribution, a
  measure's value for a period.

A stream's allocation and a priority's budget for a year are opened from the figure's row
(``?fy=``) showing the stored amount, so they send its version (``NO_RECORD_VERSION`` when the
year had none); a year chosen on the form other than the one the page showed is set as asked.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils.http import urlencode

from grants.models import (
    AwardStatus,
    MonitoringReturn,
    PaymentPlan,
    PlanFrequency,
    PlanTiming,
    PriorityBudget,
    ReturnStatus,
    StreamAllocation,
)
from outcomes.models import PerformanceMeasure
from pcc_commissioning.concurrency import STALE_MESSAGE
from pcc_commissioning.roles import Role
from providers.services import membership_set
from tests.factories import (
    ApplicationQuestionFactory,
    AwardFactory,
    AwardKPIFactory,
    CommissioningIntentionFactory,
    CommissioningPriorityFactory,
    ContactFactory,
    CriterionFactory,
    DecisionFactory,
    EligibilityQuestionFactory,
    FindingFactory,
    FundingLineFactory,
    FundingStreamFactory,
    KPQFactory,
    NeedsAssessmentFactory,
    OrganisationFactory,
    PaymentFactory,
    PriorityBudgetFactory,
    RoundFactory,
    StreamAllocationFactory,
    ThemeFactory,
    UserFactory,
)
from tests.factories.agreements import AgreementTemplateFactory
from tests.factories.delivery import (
    ActivityFactory,
    BoardMeetingFactory,
    DeliveryPlanFactory,
    MetricFactory,
    ObjectiveFactory,
    PlanPriorityFactory,
    ProgressUpdateFactory,
    ReviewActionFactory,
    ReviewMeetingFactory,
)
from tests.pcc_commissioning.test_url_access import _walk

pytestmark = pytest.mark.django_db

FIRST, SECOND = "First person's change", "Second person's change"


# Reading a form as a browser would send it ---------------------------------------------------------


class _Forms(HTMLParser):
    """Every POST form of a page: {name: [values]} as a browser sends it unchanged (text and
    hidden boxes, ticked boxes and radios, chosen options, text areas; no buttons, no files)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, list[str]]] = []
        self._form: dict[str, list[str]] | None = None
        self._select: tuple[str, bool] | None = None  # (name, multiple)
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            post = (attrs.get("method") or "").lower() == "post"
            self._form = {} if post else None
            if post:
                self.forms.append(self._form)
        if self._form is None or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            self._form.setdefault(name, []).append(attrs.get("value") or default)
        elif tag == "select" and name:
            self._select, self._options = (name, "multiple" in attrs), []
        elif tag == "option" and self._select:
            self._options.append((attrs.get("value") or "", "selected" in attrs))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select and self._form is not None:
            name, multiple = self._select
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not multiple and self._options:
                chosen = [self._options[0][0]]  # a browser sends the first option
            self._form.setdefault(name, []).extend(chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            # HTML drops one newline straight after <textarea>.
            self._form.setdefault(self._textarea, []).append("".join(self._text).removeprefix("\n"))
            self._textarea = None


def _edit_form_of(client: Client, url: str, version_box: str) -> dict[str, list[str]]:
    """The page's edit form (its largest POST form) as the browser would send it."""
    response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    parser = _Forms()
    parser.feed(response.content.decode())
    assert parser.forms, f"{url} has no form"
    form = max(parser.forms, key=len)
    assert form.get(version_box), f"{url}: the form sends no version, so a stale copy would overwrite"
    return form


def _page_url(url_name: str, kwargs: dict) -> str:
    """The page's address; a ``query`` entry of ``kwargs`` is its query string (``?fy=``)."""
    kwargs = dict(kwargs)
    query = kwargs.pop("query", None)
    url = reverse(url_name, kwargs=kwargs)
    return f"{url}?{urlencode(query)}" if query else url


def _edit_form(client: Client, url: str) -> dict[str, list[str]]:
    return _edit_form_of(client, url, "version")


def _error_summary(response) -> str:
    match = re.search(r'<div class="govuk-error-summary".*?</ul>', response.content.decode(), re.S)
    return match.group(0) if match else ""


# The edit pages ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """An edit page: who edits it, a record to edit, the field both people change (and the two
    values they type) and how to read the stored value back."""

    url_name: str
    role: Role
    build: Callable[[object], tuple[dict, Callable[[], object]]]  # organisation -> (url kwargs, read)
    field: str
    first: str = FIRST
    second: str = SECOND


def _reader(record, attribute: str):
    def read():
        return type(record)._base_manager.values_list(attribute, flat=True).get(pk=record.pk)

    return read


def _award(**fields):
    award = AwardFactory(**fields)
    FundingLineFactory(award=award, stream=FundingStreamFactory(), fy=2019, amount=Decimal("10000"))
    return award


def _organisation(organisation):
    return {"pk": organisation.pk}, _reader(organisation, "notes")


def _contact(organisation):
    contact = ContactFactory(organisation=organisation)
    return {"pk": organisation.pk, "contact_pk": contact.pk}, _reader(contact, "job_title")


def _award_edit(organisation):
    award = _award()
    return {"pk": award.pk}, _reader(award, "title")


def _meeting(organisation):
    meeting = BoardMeetingFactory()
    return {"pk": meeting.pk}, _reader(meeting, "comments")


def _payment(organisation):
    award = _award(status=AwardStatus.ACTIVE)
    payment = PaymentFactory(award=award, stream=award.lines.get().stream, amount=Decimal("1000"))
    return {"pk": award.pk, "payment_pk": payment.pk}, _reader(payment, "invoice_reference")


def _payment_plan(organisation):
    award = _award(status=AwardStatus.ACTIVE)
    plan = PaymentPlan.objects.create(award=award, frequency=PlanFrequency.QUARTERLY, timing=PlanTiming.ARREARS)
    return {"pk": award.pk}, _reader(plan, "timing")


def _decision(organisation):
    decision = DecisionFactory()
    return {"pk": decision.pk}, _reader(decision, "subject")


def _stream(organisation):
    stream = FundingStreamFactory()
    return {"pk": stream.pk}, _reader(stream, "description")


def _agreement_template(organisation):
    template = AgreementTemplateFactory()
    return {"pk": template.pk}, _reader(template, "special_conditions")


def _kpi(organisation):
    kpi = AwardKPIFactory()
    return {"pk": kpi.award_id, "kpi_pk": kpi.pk}, _reader(kpi, "description")


def _assessment(organisation):
    assessment = NeedsAssessmentFactory()
    return {"pk": assessment.pk}, _reader(assessment, "title")


def _finding(organisation):
    finding = FindingFactory()
    return {"pk": finding.pk}, _reader(finding, "title")


def _intention(organisation):
    intention = CommissioningIntentionFactory()
    return {"pk": intention.pk}, _reader(intention, "title")


def _theme(organisation):
    theme = ThemeFactory()
    return {"pk": theme.pk}, _reader(theme, "description")


def _measure(organisation):
    measure = PerformanceMeasure.objects.create(kpq=KPQFactory(), name="Victim satisfaction", unit="%")
    return {"pk": measure.pk}, _reader(measure, "source")


def _allocation(organisation):
    allocation = StreamAllocationFactory(fy=2019, notes="")
    return {"pk": allocation.stream_id, "query": {"fy": 2019}}, _reader(allocation, "notes")


def _budget(organisation):
    budget = PriorityBudgetFactory(fy=2019, notes="")
    return {"query": {"fy": 2019, "priority": budget.priority_id}}, _reader(budget, "notes")


def _portal_organisation(organisation):
    return {}, _reader(organisation, "phone")


def _portal_contact(organisation):
    contact = ContactFactory(organisation=organisation)
    return {"contact_pk": contact.pk}, _reader(contact, "job_title")


def _portal_return(organisation):
    award = AwardFactory(provider=organisation, status=AwardStatus.ACTIVE)
    ret = MonitoringReturn.objects.create(
        award=award, fy=2019, quarter=1, status=ReturnStatus.DUE, due_date=datetime.date(2019, 7, 20)
    )
    # The narrative is asked on the return's last part, "About the quarter".
    return {"pk": ret.pk, "query": {"part": "about"}}, _reader(ret, "narrative")


def _round(organisation):
    round = RoundFactory()
    return {"reference": round.reference}, _reader(round, "name")


def _round_part(factory, attribute: str):
    """A draft round's question or criterion; the edit carries the round's version."""

    def build(organisation):
        item = factory(round=RoundFactory())
        return {"reference": item.round.reference, "pk": item.pk}, _reader(item, attribute)

    return build


def _progress_update(organisation):
    update = ProgressUpdateFactory(state="draft")
    return {"pk": update.pk}, _reader(update, "narrative")


def _compliance_review(organisation):
    meeting = ReviewMeetingFactory()
    return {"pk": meeting.pk}, _reader(meeting, "notes")


def _compliance_action(organisation):
    action = ReviewActionFactory()
    return {"pk": action.meeting_id, "action_pk": action.pk}, _reader(action, "owner")


def _plan_row(factory, attribute: str):
    """A row of a delivery plan's tree; the edit carries the plan's version."""

    def build(organisation):
        row = factory()
        return {"reference": row.plan.reference, "pk": row.pk}, _reader(row, attribute)

    return build


def _delivery_plan(organisation):
    plan = DeliveryPlanFactory()
    return {"reference": plan.reference}, _reader(plan, "summary")


CASES = [
    Case("providers:edit", Role.OFFICER, _organisation, "notes"),
    Case("providers:contact_edit", Role.OFFICER, _contact, "job_title"),
    Case("grants:award_edit", Role.OFFICER, _award_edit, "title"),
    Case("grants:payment_edit", Role.FINANCE, _payment, "invoice_reference", "INV-1", "INV-2"),
    Case("grants:payment_plan", Role.OFFICER, _payment_plan, "timing", PlanTiming.ADVANCE, PlanTiming.ON_RETURN),
    Case("grants:decision_edit", Role.OFFICER, _decision, "subject"),
    Case("grants:stream_edit", Role.OFFICER, _stream, "description"),
    Case("grants:kpi_edit", Role.OFFICER, _kpi, "description"),
    Case("grants:agreement_template_edit", Role.OFFICER, _agreement_template, "special_conditions"),
    Case("needs_assessment:assessment_edit", Role.OFFICER, _assessment, "title"),
    Case("needs_assessment:finding_edit", Role.OFFICER, _finding, "title"),
    Case("needs_assessment:intention_edit", Role.OFFICER, _intention, "title"),
    Case("needs_assessment:theme_edit", Role.OFFICER, _theme, "description"),
    Case("outcomes:measure_edit", Role.OFFICER, _measure, "source"),
    Case("grants:allocation_set", Role.FINANCE, _allocation, "notes"),
    Case("grants:budget_set", Role.FINANCE, _budget, "notes"),
    Case("portal:organisation_edit", Role.PROVIDER, _portal_organisation, "phone", "0191 000 0001", "0191 000 0002"),
    Case("portal:contact_edit", Role.PROVIDER, _portal_contact, "job_title"),
    Case("portal:return", Role.PROVIDER, _portal_return, "narrative"),
    Case("rounds:edit", Role.OFFICER, _round, "name"),
    Case("rounds:eligibility_edit", Role.OFFICER, _round_part(EligibilityQuestionFactory, "question"), "question"),
    Case("rounds:question_edit", Role.OFFICER, _round_part(ApplicationQuestionFactory, "text"), "text"),
    Case("rounds:criterion_edit", Role.OFFICER, _round_part(CriterionFactory, "text"), "text"),
    Case("delivery:meeting_edit", Role.OFFICER, _meeting, "comments"),
    # An activity's progress update: its lead writes it, and officers may too.
    Case("contribute:update", Role.OFFICER, _progress_update, "narrative"),
    Case("delivery:compliance_review_edit", Role.OFFICER, _compliance_review, "notes"),
    Case("delivery:compliance_action_edit", Role.OFFICER, _compliance_action, "owner"),
    Case("delivery:plan_edit", Role.OFFICER, _delivery_plan, "summary"),
    Case("delivery:priority_edit", Role.OFFICER, _plan_row(PlanPriorityFactory, "strategy"), "strategy"),
    Case("delivery:objective_edit", Role.OFFICER, _plan_row(ObjectiveFactory, "title"), "title"),
    Case("delivery:activity_edit", Role.OFFICER, _plan_row(ActivityFactory, "lead"), "lead"),
    Case("delivery:metric_edit", Role.OFFICER, _plan_row(MetricFactory, "source"), "source"),
]


def _two_people(role: Role, organisation) -> tuple[Client, Client]:
    clients = []
    for name in ("first", "second"):
        user = UserFactory(username=f"{name}-{role.name.lower()}", role=role)
        if role == Role.PROVIDER:
            membership_set(user=user, organisation=organisation)
        client = Client()
        client.force_login(user)
        clients.append(client)
    return clients[0], clients[1]


@pytest.mark.parametrize("case", CASES, ids=[case.url_name for case in CASES])
def test_a_stale_edit_is_refused_and_the_first_change_stands(case):
    organisation = OrganisationFactory(name="Harbour Support Services")
    kwargs, read = case.build(organisation)
    url = _page_url(case.url_name, kwargs)
    first, second = _two_people(case.role, organisation)
    first_form, second_form = _edit_form(first, url), _edit_form(second, url)

    saved = first.post(url, {**first_form, case.field: case.first})
    assert saved.status_code == 302, _error_summary(saved) or saved.status_code
    assert read() == case.first

    stale = second.post(url, {**second_form, case.field: case.second})
    assert stale.status_code in (200, 400)
    assert STALE_MESSAGE in _error_summary(stale)
    assert read() == case.first


def test_a_payment_plan_set_up_meanwhile_is_not_overwritten():
    """Both officers open the page of an award with no plan; the first sets one up: the second's
    form (which saw no plan) is refused rather than replacing it."""
    award = _award(status=AwardStatus.ACTIVE)
    url = reverse("grants:payment_plan", kwargs={"pk": award.pk})
    first, second = _two_people(Role.OFFICER, None)
    first_form, second_form = _edit_form(first, url), _edit_form(second, url)
    plan = {"frequency": PlanFrequency.QUARTERLY, "timing": PlanTiming.ARREARS}
    assert first.post(url, {**first_form, **plan}).status_code == 302

    stale = second.post(url, {**second_form, "frequency": PlanFrequency.MONTHLY, "timing": PlanTiming.ADVANCE})
    assert STALE_MESSAGE in _error_summary(stale)
    stored = PaymentPlan.objects.get(award=award)
    assert (stored.frequency, stored.timing) == (PlanFrequency.QUARTERLY, PlanTiming.ARREARS)


def _year_figure_pages():
    """For each year-figure page: its address for 2019 and a reader of the stored 2019 figure,
    for a stream and a priority with no figure for 2019 yet."""
    stream, priority = FundingStreamFactory(), CommissioningPriorityFactory()

    def read(model, **owner):
        return lambda: list(model.objects.filter(fy=2019, **owner).values_list("amount", "notes"))

    return [
        (
            _page_url("grants:allocation_set", {"pk": stream.pk, "query": {"fy": 2019}}),
            read(StreamAllocation, stream=stream),
        ),
        (
            _page_url("grants:budget_set", {"query": {"fy": 2019, "priority": priority.pk}}),
            read(PriorityBudget, priority=priority),
        ),
    ]


def test_a_year_figure_set_meanwhile_is_not_overwritten():
    """Both finance officers open a year that has no allocation (or budget) yet; the first sets
    one: the second's form, which showed none, is refused rather than replacing it."""
    first, second = _two_people(Role.FINANCE, None)
    for url, read in _year_figure_pages():
        first_form, second_form = _edit_form(first, url), _edit_form(second, url)
        assert first.post(url, {**first_form, "amount": "1000", "notes": FIRST}).status_code == 302

        stale = second.post(url, {**second_form, "amount": "2000", "notes": SECOND})
        assert STALE_MESSAGE in _error_summary(stale), url
        assert read() == [(Decimal("1000.00"), FIRST)]


def test_another_year_chosen_on_the_form_is_set_as_asked():
    """The version is that of the year the page was opened with: choosing another year on the
    form sets that year's figure (the page showed none of it to be stale)."""
    allocation = StreamAllocationFactory(fy=2019, amount=Decimal("100000.00"), notes="")
    StreamAllocationFactory(stream=allocation.stream, fy=2020, amount=Decimal("5000.00"), notes="")
    officer = _two_people(Role.FINANCE, None)[0]
    url = _page_url("grants:allocation_set", {"pk": allocation.stream_id, "query": {"fy": 2019}})
    form = _edit_form(officer, url)
    assert officer.post(url, {**form, "notes": FIRST}).status_code == 302

    saved = officer.post(url, {**form, "fy": "2020", "amount": "6000", "notes": SECOND})
    assert saved.status_code == 302, _error_summary(saved)
    stored = dict(StreamAllocation.objects.filter(stream=allocation.stream).values_list("fy", "notes"))
    assert stored == {2019: FIRST, 2020: SECOND}


# Saving a monitoring return always records it (a due return becomes a draft; a draft is written
# again as it stands), so a colleague's open copy of it goes stale: the one exception.
UNCHANGED_CASES = [case for case in CASES if case.url_name != "portal:return"]


@pytest.mark.parametrize("case", UNCHANGED_CASES, ids=[case.url_name for case in UNCHANGED_CASES])
def test_saving_an_unchanged_form_does_not_make_the_other_persons_form_stale(case):
    """Only a real change moves the version on: pressing save without changing anything leaves
    a colleague's open form good."""
    organisation = OrganisationFactory(name="Harbour Support Services")
    kwargs, read = case.build(organisation)
    url = _page_url(case.url_name, kwargs)
    first, second = _two_people(case.role, organisation)
    first_form, second_form = _edit_form(first, url), _edit_form(second, url)
    assert first.post(url, first_form).status_code == 302

    saved = second.post(url, {**second_form, case.field: case.second})
    assert saved.status_code == 302, _error_summary(saved) or saved.status_code
    assert read() == case.second


# The guard ------------------------------------------------------------------------------------------


EDIT_WORDS = ("edit", "update")
# Pages that change a stored record without "edit" in their name.
EDITS_BY_OTHER_NAMES = {"grants:payment_plan", "portal:return", "grants:allocation_set", "grants:budget_set"}
# Pages named for a delivery plan's progress updates and update rounds (the records, not the act
# of editing) that hold no edit form: they show the round or the update, or make a move that
# sends the version it was shown at (a stale move is refused: tests/delivery/test_updates_*).
NAMED_FOR_PROGRESS_UPDATES = {
    "delivery:update",
    "delivery:update_accept",
    "delivery:update_request_changes",
    "delivery:update_round",
    "delivery:update_round_move",
    "delivery:update_round_open",
    "delivery:objective_update_start",
}


def _edit_pages() -> set[str]:
    names = set()
    for route in _walk(get_resolver()):
        if route.namespace == "admin" or not route.name:
            continue  # the admin is the system administrators' tool, outside these pages
        said = f"{route.url_name} {getattr(route.callback, '__name__', '')}".lower()
        if any(word in said for word in EDIT_WORDS):
            names.add(route.name)
    return names


def test_every_edit_page_is_covered():
    covered = {case.url_name for case in CASES}
    missing = _edit_pages() - covered - NAMED_FOR_PROGRESS_UPDATES
    assert not missing, f"Edit pages without a lost-update test (add them to CASES, with a version): {sorted(missing)}"
    assert covered >= EDITS_BY_OTHER_NAMES
    assert _edit_pages() >= NAMED_FOR_PROGRESS_UPDATES
    assert (_edit_pages() - NAMED_FOR_PROGRESS_UPDATES) | EDITS_BY_OTHER_NAMES == covered


# The admin ------------------------------------------------------------------------------------------


def _versioned(model) -> bool:
    return any(field.name == "version" for field in model._meta.concrete_fields)


def test_no_admin_page_writes_a_versioned_model():
    """The Django admin does not check versions: it is no write path for a versioned record
    (``pcc_commissioning.admin.ReadOnlyAdmin``), nor for its rows on another record's page."""
    from django.contrib import admin

    from pcc_commissioning.admin import ReadOnlyAdmin

    writable = []
    for model, model_admin in admin.site._registry.items():
        if _versioned(model) and not isinstance(model_admin, ReadOnlyAdmin):
            writable.append(model_admin)
        writable += [
            inline
            for inline in model_admin.inlines
            if _versioned(inline.model) and not issubclass(inline, ReadOnlyAdmin)
        ]
    assert not writable, f"Admin pages that could write a versioned model around its services: {writable}"
