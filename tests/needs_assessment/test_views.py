"""The needs pages: who may open what, the trail from an intention to its finding, the evidence
on the indicator page and the award that meets it (and back), the officer forms with every
refused input (a message naming the field, nothing saved), stale edits, and flat query counts."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from needs_assessment.models import (
    AreaType,
    CommissioningIntention,
    Finding,
    IntentionRank,
    IntentionStatus,
    NeedsAssessment,
    Polarity,
    Severity,
    Theme,
)
from pcc_commissioning import tabs as tab_registry
from pcc_commissioning.concurrency import STALE_MESSAGE
from tests.factories import (
    AreaFactory,
    AreaPopulationFactory,
    AwardFactory,
    CommissioningIntentionFactory,
    CommissioningPriorityFactory,
    FindingFactory,
    IndicatorFactory,
    IndicatorValueFactory,
    KPQFactory,
    NeedsAssessmentFactory,
    ThemeFactory,
)
from tests.form_data import date_boxes
from tests.submissions import assert_saved_once, post_twice

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _text(response) -> str:
    return response.content.decode()


@pytest.fixture
def trail(officer):
    """A force area and two local authorities with populations; a count indicator with two
    years of values; an assessment with a finding citing them; a Must-do intention answering
    the finding, led by the officer; and an award meeting the intention."""
    theme = ThemeFactory(name="Domestic abuse")
    force = AreaFactory(code="E23000008", name="Durham force area", type=AreaType.FORCE_AREA)
    durham = AreaFactory(code="E06000047", name="County Durham", parent=force)
    darlington = AreaFactory(code="E06000005", name="Darlington", parent=force)
    for area, population in ((force, 640_000), (durham, 530_000), (darlington, 110_000)):
        AreaPopulationFactory(area=area, year=2018, population=population)
        AreaPopulationFactory(area=area, year=2019, population=population)
    indicator = IndicatorFactory(
        name="Domestic abuse-related crimes",
        theme=theme,
        unit="crimes",
        source="Police recorded crime",
        definition="Crimes flagged as domestic abuse-related.",
        polarity=Polarity.HIGHER_IS_WORSE,
    )
    values = {}
    for area, (before, now) in ((force, (9000, 9800)), (durham, (7400, 8000)), (darlington, (1600, 1800))):
        IndicatorValueFactory(indicator=indicator, area=area, fy=2018, value=Decimal(before))
        values[area.code] = IndicatorValueFactory(indicator=indicator, area=area, fy=2019, value=Decimal(now))
    assessment = NeedsAssessmentFactory(title="Unified needs assessment 2019", fy=2019, summary="What we found.")
    kpq = KPQFactory(number=3, question="How well are victims supported?")
    finding = FindingFactory(
        assessment=assessment,
        title="Too few IDVAs for the demand",
        severity=Severity.HIGH,
        theme=theme,
        description="Demand for IDVA support has outgrown capacity.",
    )
    finding.areas.set([darlington])
    finding.kpqs.set([kpq])
    finding.evidence.set([values["E06000005"], values["E23000008"]])
    intention = CommissioningIntentionFactory(
        title="Commission more IDVA capacity",
        rank=IntentionRank.MUST,
        status=IntentionStatus.AGREED,
        when_fy=2020,
        lead=officer,
        estimated_annual_cost=Decimal("120000"),
        theme=theme,
    )
    intention.findings.set([finding])
    award = AwardFactory(reference="PCC-2020-001", title="IDVA service", intention=intention)
    return {
        "theme": theme,
        "force": force,
        "durham": durham,
        "darlington": darlington,
        "indicator": indicator,
        "assessment": assessment,
        "finding": finding,
        "intention": intention,
        "award": award,
        "kpq": kpq,
    }


def _pages(trail) -> dict[str, str]:
    return {
        "index": reverse("needs_assessment:index"),
        "assessment": reverse("needs_assessment:assessment_detail", args=[trail["assessment"].pk]),
        "finding": reverse("needs_assessment:finding_detail", args=[trail["finding"].pk]),
        "indicators": reverse("needs_assessment:indicator_list"),
        "indicator": reverse("needs_assessment:indicator_detail", args=[trail["indicator"].pk]),
        "board": reverse("needs_assessment:intentions"),
        "intention": reverse("needs_assessment:intention_detail", args=[trail["intention"].pk]),
        "themes": reverse("needs_assessment:theme_list"),
    }


def _edit_pages(trail) -> dict[str, str]:
    return {
        "assessment_create": reverse("needs_assessment:assessment_create"),
        "assessment_edit": reverse("needs_assessment:assessment_edit", args=[trail["assessment"].pk]),
        "finding_create": reverse("needs_assessment:finding_create", args=[trail["assessment"].pk]),
        "finding_edit": reverse("needs_assessment:finding_edit", args=[trail["finding"].pk]),
        "intention_create": reverse("needs_assessment:intention_create"),
        "intention_edit": reverse("needs_assessment:intention_edit", args=[trail["intention"].pk]),
        "theme_create": reverse("needs_assessment:theme_create"),
        "theme_edit": reverse("needs_assessment:theme_edit", args=[trail["theme"].pk]),
    }


# Who may open what ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer_client", "finance_client", "board_client"])
def test_internal_roles_read_every_needs_page(request, trail, who):
    client = request.getfixturevalue(who)
    for name, url in _pages(trail).items():
        assert client.get(url).status_code == 200, name


def test_provider_users_are_refused_every_needs_page(provider_client, trail):
    for name, url in {**_pages(trail), **_edit_pages(trail)}.items():
        assert provider_client.get(url).status_code == 403, name


def test_anonymous_visitors_are_sent_to_sign_in(client, trail):
    response = client.get(_pages(trail)["board"])
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["finance_client", "board_client"])
def test_finance_and_board_change_nothing_and_see_no_edit_buttons(request, trail, who):
    client = request.getfixturevalue(who)
    for name, url in _edit_pages(trail).items():
        assert client.get(url).status_code == 403, name
        assert client.post(url, {}).status_code == 403, name
    status = reverse("needs_assessment:intention_status", args=[trail["intention"].pk])
    assert client.post(status, {"status": "dropped", "version": 1}).status_code == 403
    trail["intention"].refresh_from_db()
    assert trail["intention"].status == IntentionStatus.AGREED
    pages = _pages(trail)
    for page in ("index", "assessment", "finding", "board", "intention", "themes"):
        html = _text(client.get(pages[page]))
        assert "/edit/" not in html and "/new/" not in html, page
        assert "Change status" not in html


def test_officers_see_the_edit_buttons(officer_client, trail):
    pages = _pages(trail)
    assert reverse("needs_assessment:assessment_edit", args=[trail["assessment"].pk]) in _text(
        officer_client.get(pages["assessment"])
    )
    assert "Change status" in _text(officer_client.get(pages["intention"]))
    assert reverse("needs_assessment:intention_create") in _text(officer_client.get(pages["board"]))


def test_the_needs_navigation_item_opens_the_assessments(officer_client, trail):
    html = _text(officer_client.get(reverse("home"), follow=True))
    assert f'href="{reverse("needs_assessment:index")}"' in html
    index = _text(officer_client.get(reverse("needs_assessment:index")))
    assert "Unified needs assessment 2019" in index
    assert reverse("needs_assessment:intentions") in index


# The trail: intention -> finding -> evidence -> award, and back -------------------------------------


def test_board_groups_must_should_could_with_status_when_lead_cost_and_findings(officer_client, officer, trail):
    CommissioningIntentionFactory(title="Perpetrator programme pilot", rank=IntentionRank.SHOULD)
    html = _text(officer_client.get(_pages(trail)["board"]))
    must, should, could = (html.index(f'id="{rank}"') for rank in ("must", "should", "could"))
    assert must < html.index("Commission more IDVA capacity") < should < html.index("Perpetrator programme") < could
    row = html[html.index("Commission more IDVA capacity") : should]
    assert "Agreed" in row and "2020/21" in row and officer.display_name in row and "£120,000" in row
    assert reverse("needs_assessment:finding_detail", args=[trail["finding"].pk]) in row
    # The awards meeting an intention are on its Awards tab (served by grants), not on the board.
    assert reverse("grants:award_detail", args=[trail["award"].pk]) not in row
    assert "No could-do intentions" in html


def test_intention_page_traces_to_finding_evidence_and_award(officer_client, trail):
    html = _text(officer_client.get(_pages(trail)["intention"]))
    assert reverse("needs_assessment:finding_detail", args=[trail["finding"].pk]) in html
    assert reverse("needs_assessment:assessment_detail", args=[trail["assessment"].pk]) in html
    indicator_link = reverse("needs_assessment:indicator_detail", args=[trail["indicator"].pk])
    assert f"{indicator_link}?period=2019&amp;area={trail['darlington'].pk}" in html
    assert "1,800 crimes" in html
    # On to the award by the Awards tab, which grants serves.
    assert reverse("grants:intention_awards", args=[trail["intention"].pk]) in html
    assert reverse("grants:award_detail", args=[trail["award"].pk]) not in html
    awards_tab = _text(officer_client.get(reverse("grants:intention_awards", args=[trail["intention"].pk])))
    assert reverse("grants:award_detail", args=[trail["award"].pk]) in awards_tab
    assert "Must-do commissioning intention" in html


def test_finding_page_shows_evidence_intentions_and_the_way_back(officer_client, trail):
    html = _text(officer_client.get(_pages(trail)["finding"]))
    assert "Demand for IDVA support has outgrown capacity." in html
    assert "High severity" in html and "Darlington (E06000005)" in html and "KPQ3" in html
    assert reverse("needs_assessment:indicator_detail", args=[trail["indicator"].pk]) in html
    assert reverse("needs_assessment:intention_detail", args=[trail["intention"].pk]) in html
    assert reverse("needs_assessment:assessment_detail", args=[trail["assessment"].pk]) in html


def test_assessment_page_lists_findings_and_indicators(officer_client, trail):
    html = _text(officer_client.get(_pages(trail)["assessment"]))
    assert "Too few IDVAs for the demand" in html and 'govuk-tag--red">High</strong>' in html
    assert "Domestic abuse" in html and "Darlington" in html and "KPQ3" in html
    assert reverse("needs_assessment:intention_detail", args=[trail["intention"].pk]) in html
    assert f"{reverse('needs_assessment:indicator_detail', args=[trail['indicator'].pk])}?period=2019" in html
    assert "None uploaded" in html


def test_indicator_page_compares_areas_with_rate_previous_and_change_in_words(officer_client, trail):
    html = _text(officer_client.get(_pages(trail)["indicator"]))
    assert "Crimes flagged as domestic abuse-related." in html and "Police recorded crime" in html
    assert "Higher is worse" in html
    darlington = html[html.index(">Darlington <") :]
    darlington = darlington[: darlington.index("</tr>")]
    cells = re.findall(r'govuk-table__cell--numeric">([^<]*)<', darlington)
    assert cells == ["1,800", "110,000", "16.36", "1,600"]  # value, population, rate per 1,000, 2018/19
    assert "+200 (+12.5%)" in darlington and "Worse" in darlington  # higher is worse: in words
    assert html.index("Durham force area") < html.index("County Durham")  # force area first
    # Both charts as images, each followed by its data table
    assert html.count('<img class="app-chart__image" src="data:image/svg+xml;base64,') == 2
    assert "rate per 1,000 people by area, 2019/20: the data</caption>" in html
    assert "trend in Durham force area: the data</caption>" in html
    assert reverse("needs_assessment:finding_detail", args=[trail["finding"].pk]) in html


def test_indicator_page_period_and_area_choices(officer_client, trail):
    url = _pages(trail)["indicator"]
    html = _text(officer_client.get(url, {"period": "2018", "area": trail["darlington"].pk}))
    assert "Areas compared, 2018/19" in html
    assert "trend in Darlington and Durham force area" in html
    # An unknown period falls back to the latest year
    assert "Areas compared, 2019/20" in _text(officer_client.get(url, {"period": "1999"}))
    assert "Areas compared, 2019/20" in _text(officer_client.get(url, {"period": "nonsense", "area": "x"}))


def test_indicator_with_no_values_says_so(officer_client):
    indicator = IndicatorFactory(name="Hate crimes")
    html = _text(officer_client.get(reverse("needs_assessment:indicator_detail", args=[indicator.pk])))
    assert "There are no values for this indicator yet." in html and "<img" not in html


def test_intention_tabs_show_only_tabs_that_reverse(officer, trail, monkeypatch):
    monkeypatch.setitem(tab_registry.REGISTRY, "intention", list(tab_registry.REGISTRY["intention"]))
    tab_registry.register_tab("intention", "Nowhere", "grants:no_such_view")
    tabs = tab_registry.page_tabs(
        "intention", user=officer, pk=trail["intention"].pk, current="needs_assessment:intention_detail"
    )
    labels = [tab["label"] for tab in tabs]
    assert labels[0] == "Details" and "Nowhere" not in labels
    assert tabs[0]["current"] and tabs[0]["url"] == reverse(
        "needs_assessment:intention_detail", args=[trail["intention"].pk]
    )


def test_the_intention_page_shows_its_tabs(officer_client, trail):
    """The registry's tabs are drawn as the MOJ sub-navigation, the current one marked."""
    intention = trail["intention"]
    page = officer_client.get(reverse("needs_assessment:intention_detail", args=[intention.pk])).content.decode()
    details = reverse("needs_assessment:intention_detail", args=[intention.pk])
    awards = reverse("grants:intention_awards", args=[intention.pk])
    assert f'<a class="moj-sub-navigation__link" href="{details}" aria-current="page">Details</a>' in page
    assert f'<a class="moj-sub-navigation__link" href="{awards}">Awards</a>' in page


# Board filters ---------------------------------------------------------------------------------------


def test_board_filters_by_status_lead_priority_and_year(officer_client, officer, trail):
    priority = CommissioningPriorityFactory(name="Victims services")
    other = CommissioningIntentionFactory(
        title="Sexual violence outreach",
        rank=IntentionRank.COULD,
        status=IntentionStatus.PROPOSED,
        when_date=datetime.date(2021, 6, 1),
        priority=priority,
    )
    board = _pages(trail)["board"]

    def shown(**params):
        html = _text(officer_client.get(board, params))
        return {name for name in ("Commission more IDVA capacity", other.title) if name in html}

    assert shown() == {"Commission more IDVA capacity", other.title}
    assert shown(status="proposed") == {other.title}
    assert shown(lead=officer.pk) == {"Commission more IDVA capacity"}
    assert shown(priority=priority.pk) == {other.title}
    assert shown(fy="2020") == {"Commission more IDVA capacity"}
    assert shown(fy="2021") == {other.title}
    assert "match your filters" in _text(officer_client.get(board, {"status": "agreed"}))
    # Unknown values are ignored rather than failing
    assert officer_client.get(board, {"status": "nope", "lead": "x", "fy": "abc"}).status_code == 200


# Assessments: create, edit, document -------------------------------------------------------------------


def _assessment_data(**changes) -> dict:
    data = {
        "title": "Domestic abuse needs assessment",
        "scope": "unified",
        "theme": "",
        "fy": "2019",
        "author": "OPCC",
        "summary": "A closer look.",
        **date_boxes("published_on", datetime.date(2019, 11, 30)),
    }
    data.update(changes)
    return data


def test_officer_adds_a_thematic_assessment_with_its_document(officer_client, trail):
    document = SimpleUploadedFile("assessment.pdf", PDF, content_type="application/pdf")
    data = _assessment_data(scope="thematic", theme=trail["theme"].pk, document=document)
    response = officer_client.post(reverse("needs_assessment:assessment_create"), data)
    assessment = NeedsAssessment.objects.get(title="Domestic abuse needs assessment")
    assert response.status_code == 302
    assert response["Location"] == reverse("needs_assessment:assessment_detail", args=[assessment.pk])
    assert assessment.theme == trail["theme"] and assessment.published_on == datetime.date(2019, 11, 30)
    page = _text(officer_client.get(response["Location"]))
    assert "Domestic abuse needs assessment has been added." in page
    download = reverse("needs_assessment:assessment_document", args=[assessment.pk])
    assert download in page
    got = officer_client.get(download)
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    assert got["Content-Disposition"].startswith("attachment;")
    assert got["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": ""}, "title", "Enter the title of the needs assessment"),
        ({"fy": ""}, "fy", "Choose the financial year it covers"),
        ({"scope": "thematic", "theme": ""}, "theme", "A thematic assessment needs its theme."),
        (
            {
                **date_boxes("published_on", None),
                "published_on_0": "31",
                "published_on_1": "2",
                "published_on_2": "2019",
            },
            "published_on",
            "",
        ),
        ({"document": "bad"}, "document", "must be a PDF"),
        ({"document": "empty"}, "document", "The selected file is empty"),
    ],
)
def test_bad_assessment_input_is_refused_naming_the_field(officer_client, changes, field, message):
    if changes.get("document") == "bad":
        changes["document"] = SimpleUploadedFile("notes.pdf", b"just some text", content_type="application/pdf")
    elif changes.get("document") == "empty":
        changes["document"] = SimpleUploadedFile("empty.pdf", b"", content_type="application/pdf")
    response = officer_client.post(reverse("needs_assessment:assessment_create"), _assessment_data(**changes))
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert message in " ".join(form.errors[field])
    assert "There is a problem" in _text(response)
    assert not NeedsAssessment.objects.filter(title="Domestic abuse needs assessment").exists()


def test_assessment_document_download_needs_a_document_and_permission(officer_client, provider_client, trail):
    url = reverse("needs_assessment:assessment_document", args=[trail["assessment"].pk])
    assert officer_client.get(url).status_code == 404
    assert provider_client.get(url).status_code == 403


def test_officer_edits_an_assessment_and_a_stale_edit_is_refused(officer_client, trail):
    assessment = trail["assessment"]
    url = reverse("needs_assessment:assessment_edit", args=[assessment.pk])
    form = officer_client.get(url).context["form"]
    assert form.initial["version"] == assessment.version == 1
    data = _assessment_data(title="Unified needs assessment 2019 (revised)", scope="unified", version=1)
    assert officer_client.post(url, data).status_code == 302
    assessment.refresh_from_db()
    assert assessment.title == "Unified needs assessment 2019 (revised)" and assessment.version == 2
    stale = officer_client.post(url, {**data, "title": "Someone else's title", "version": 1})
    assert stale.status_code == 200 and STALE_MESSAGE in _text(stale)
    assessment.refresh_from_db()
    assert assessment.title == "Unified needs assessment 2019 (revised)"


# Findings ------------------------------------------------------------------------------------------------


def test_officer_adds_a_finding_with_areas_kpqs_and_evidence(officer_client, trail):
    evidence = trail["indicator"].values.get(area=trail["durham"], fy=2019)
    data = {
        "title": "Rural victims cannot reach services",
        "description": "Travel times are long.",
        "severity": "medium",
        "theme": trail["theme"].pk,
        "priority": "",
        "areas": [trail["durham"].pk],
        "kpqs": [trail["kpq"].pk],
        "evidence": [evidence.pk],
    }
    response = officer_client.post(reverse("needs_assessment:finding_create", args=[trail["assessment"].pk]), data)
    finding = Finding.objects.get(title="Rural victims cannot reach services")
    assert response["Location"] == reverse("needs_assessment:finding_detail", args=[finding.pk])
    assert finding.assessment == trail["assessment"]
    assert list(finding.areas.all()) == [trail["durham"]] and list(finding.evidence.all()) == [evidence]


def test_finding_form_offers_the_assessment_year_values_as_evidence(officer_client, trail):
    IndicatorValueFactory(indicator=trail["indicator"], area=trail["durham"], fy=2015, value=Decimal(1))
    form = officer_client.get(reverse("needs_assessment:finding_create", args=[trail["assessment"].pk])).context["form"]
    years = {value.fy for value in form.fields["evidence"].queryset}
    assert years == {2018, 2019}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": ""}, "title", "Enter what the assessment found"),
        ({"severity": "catastrophic"}, "severity", "Select a valid choice"),
        ({"evidence": ["999999"]}, "evidence", "Select a valid choice"),
        ({"title": "x" * 301}, "title", "at most 300 characters"),
    ],
)
def test_bad_finding_input_is_refused_naming_the_field(officer_client, trail, changes, field, message):
    data = {"title": "A new gap", "severity": "low", **changes}
    response = officer_client.post(reverse("needs_assessment:finding_create", args=[trail["assessment"].pk]), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert Finding.objects.count() == 1


def test_officer_edits_a_finding(officer_client, trail):
    finding = trail["finding"]
    url = reverse("needs_assessment:finding_edit", args=[finding.pk])
    form = officer_client.get(url).context["form"]
    assert set(form.initial["evidence"]) == set(finding.evidence.all())
    data = {
        "title": "Too few IDVAs",
        "severity": "high",
        "areas": [trail["darlington"].pk, trail["durham"].pk],
        "kpqs": [trail["kpq"].pk],
        "evidence": [value.pk for value in finding.evidence.all()],
        "version": finding.version,
    }
    assert officer_client.post(url, data).status_code == 302
    finding.refresh_from_db()
    assert finding.title == "Too few IDVAs" and finding.areas.count() == 2 and finding.evidence.count() == 2


# Intentions --------------------------------------------------------------------------------------------


def _intention_data(**changes) -> dict:
    data = {
        "title": "Stalking advocacy service",
        "description": "",
        "rank": "should",
        "status": "proposed",
        "theme": "",
        "priority": "",
        "when_fy": "2020",
        "lead": "",
        "estimated_annual_cost": "£45,000",
        **date_boxes("when_date", None),
    }
    data.update(changes)
    return data


def test_officer_adds_an_intention_answering_a_finding(officer_client, officer, trail):
    url = reverse("needs_assessment:intention_create")
    form = officer_client.get(url, {"finding": trail["finding"].pk}).context["form"]
    assert form.initial["findings"] == [trail["finding"].pk]
    response = officer_client.post(url, _intention_data(findings=[trail["finding"].pk], lead=officer.pk))
    intention = CommissioningIntention.objects.get(title="Stalking advocacy service")
    assert response["Location"] == reverse("needs_assessment:intention_detail", args=[intention.pk])
    assert intention.estimated_annual_cost == Decimal("45000.00") and intention.when_fy == 2020
    assert intention.lead == officer and list(intention.findings.all()) == [trail["finding"]]
    assert "Stalking advocacy service" in _text(officer_client.get(reverse("needs_assessment:intentions")))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": ""}, "title", "Enter the title of the commissioning intention"),
        ({"rank": ""}, "rank", "Choose must, should or could"),
        ({"estimated_annual_cost": "lots"}, "estimated_annual_cost", "must be written in pounds"),
        ({"estimated_annual_cost": "1,50"}, "estimated_annual_cost", "'1,50' is ambiguous"),
        ({"estimated_annual_cost": "-5"}, "estimated_annual_cost", "cannot be negative"),
        ({"estimated_annual_cost": "12.345"}, "estimated_annual_cost", "pounds and pence"),
        ({**date_boxes("when_date", datetime.date(2020, 7, 1)), "when_fy": "2020"}, "when_fy", "not both"),
        ({"status": "done"}, "status", "Select a valid choice"),
    ],
)
def test_bad_intention_input_is_refused_naming_the_field(officer_client, trail, changes, field, message):
    response = officer_client.post(reverse("needs_assessment:intention_create"), _intention_data(**changes))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert "There is a problem" in _text(response)
    assert not CommissioningIntention.objects.filter(title="Stalking advocacy service").exists()


def test_officer_edits_an_intention_and_a_stale_edit_is_refused(officer_client, trail):
    intention = trail["intention"]
    url = reverse("needs_assessment:intention_edit", args=[intention.pk])
    assert officer_client.get(url).context["form"].initial["version"] == 1
    data = _intention_data(
        title="Commission more IDVA capacity", rank="must", status="agreed", findings=[trail["finding"].pk], version=1
    )
    assert officer_client.post(url, data).status_code == 302
    intention.refresh_from_db()
    assert intention.estimated_annual_cost == Decimal("45000.00") and intention.version == 2
    stale = officer_client.post(url, {**data, "title": "Overwritten", "version": 1})
    assert stale.status_code == 200 and STALE_MESSAGE in _text(stale)
    intention.refresh_from_db()
    assert intention.title == "Commission more IDVA capacity"


def test_officer_changes_an_intention_status_and_a_stale_change_is_refused(officer_client, trail):
    intention = trail["intention"]
    url = reverse("needs_assessment:intention_status", args=[intention.pk])
    response = officer_client.post(url, {"status": "commissioned", "version": 1}, follow=True)
    assert "“Commission more IDVA capacity” is now commissioned." in _text(response)
    intention.refresh_from_db()
    assert intention.status == IntentionStatus.COMMISSIONED and intention.version == 2
    response = officer_client.post(url, {"status": "dropped", "version": 1}, follow=True)
    assert STALE_MESSAGE in _text(response)
    intention.refresh_from_db()
    assert intention.status == IntentionStatus.COMMISSIONED
    assert officer_client.get(url).status_code == 405
    response = officer_client.post(url, {"status": "finished", "version": 2}, follow=True)
    assert "Choose the new status" in _text(response)


# Themes ------------------------------------------------------------------------------------------------


def test_officer_adds_and_renames_a_theme_and_duplicates_are_refused(officer_client, trail):
    response = officer_client.post(reverse("needs_assessment:theme_create"), {"name": "Stalking", "description": ""})
    assert response.status_code == 302 and Theme.objects.filter(name="Stalking").exists()
    duplicate = officer_client.post(reverse("needs_assessment:theme_create"), {"name": "domestic ABUSE"})
    assert duplicate.status_code == 200 and "There is already a theme" in " ".join(
        duplicate.context["form"].errors["name"]
    )
    assert Theme.objects.count() == 2
    empty = officer_client.post(reverse("needs_assessment:theme_create"), {"name": ""})
    assert "Enter the theme's name" in " ".join(empty.context["form"].errors["name"])
    edit = reverse("needs_assessment:theme_edit", args=[trail["theme"].pk])
    data = {"name": "Domestic abuse and stalking", "description": "", "version": trail["theme"].version}
    assert officer_client.post(edit, data).status_code == 302
    trail["theme"].refresh_from_db()
    assert trail["theme"].name == "Domestic abuse and stalking"


# Query counts ---------------------------------------------------------------------------------------


def _build(size: int, index: int) -> dict:
    """``size`` areas with values, findings (each citing values) and intentions with awards."""
    theme = ThemeFactory(name=f"Theme for {index}")
    indicator = IndicatorFactory(name=f"Indicator for {index}", theme=theme)
    assessment = NeedsAssessmentFactory(title=f"Assessment {index}", fy=2019)
    force = AreaFactory(code=f"E23{index:06d}", name=f"Force {index}", type=AreaType.FORCE_AREA)
    for n in range(size):
        area = AreaFactory(code=f"E0{index}{n:06d}", name=f"Area {index}-{n}", parent=force)
        AreaPopulationFactory(area=area, year=2019, population=1000 + n)
        for fy in (2018, 2019):
            value = IndicatorValueFactory(indicator=indicator, area=area, fy=fy, value=Decimal(10 + n))
        finding = FindingFactory(assessment=assessment, title=f"Finding {index}-{n}", theme=theme)
        finding.areas.set([area])
        finding.kpqs.set([KPQFactory(number=n % 8 + 1)])
        finding.evidence.set([value])
        intention = CommissioningIntentionFactory(
            title=f"Intention {index}-{n}", rank=list(IntentionRank)[n % 3], theme=theme
        )
        intention.findings.set([finding])
        AwardFactory(reference=f"PCC-{index}-{n:03d}", intention=intention)
    return {"indicator": indicator, "assessment": assessment}


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("page", ["assessment", "indicator", "board"])
def test_query_counts_stay_flat(officer_client, page):
    small, large = _build(3, 1), _build(30, 2)
    urls = {
        "assessment": lambda data: reverse("needs_assessment:assessment_detail", args=[data["assessment"].pk]),
        "indicator": lambda data: reverse("needs_assessment:indicator_detail", args=[data["indicator"].pk]),
        "board": lambda data: reverse("needs_assessment:intentions"),
    }
    if page == "board":
        counted = _queries(officer_client, urls[page](small))
        CommissioningIntention.objects.filter(title__startswith="Intention 2-").delete()
        fewer = _queries(officer_client, urls[page](small))
        assert counted == fewer
    else:
        assert _queries(officer_client, urls[page](small)) == _queries(officer_client, urls[page](large))


def test_a_stale_finding_edit_is_refused_and_nothing_is_overwritten(officer_client, trail):
    finding = trail["finding"]
    url = reverse("needs_assessment:finding_edit", args=[finding.pk])
    form = officer_client.get(url).context["form"]
    loaded = {
        name: value
        for name, value in form.initial.items()
        if name in {"title", "description", "severity", "version"} and value is not None
    }
    officer_client.post(url, {**loaded, "title": "Theirs"})  # someone else saves first
    response = officer_client.post(url, {**loaded, "title": "Mine"})
    assert STALE_MESSAGE.split(":")[0] in response.content.decode()
    finding.refresh_from_db()
    assert finding.title == "Theirs"


# Create forms sent twice (a double click, a retry) save once -------------------------------------------


def test_the_assessment_form_sent_twice_adds_one_assessment(officer_client, trail):
    before = NeedsAssessment.objects.count()
    first, second = post_twice(officer_client, reverse("needs_assessment:assessment_create"), _assessment_data())
    assert NeedsAssessment.objects.count() == before + 1
    assert_saved_once(first, second, "Domestic abuse needs assessment has been added.")


def test_the_finding_form_sent_twice_adds_one_finding(officer_client, trail):
    data = {
        "title": "Rural victims cannot reach services",
        "description": "",
        "severity": "medium",
        "theme": "",
        "priority": "",
    }
    url = reverse("needs_assessment:finding_create", args=[trail["assessment"].pk])
    first, second = post_twice(officer_client, url, data)
    assert Finding.objects.filter(title="Rural victims cannot reach services").count() == 1
    assert_saved_once(first, second, "The finding “Rural victims cannot reach services” has been added.")


def test_the_intention_form_sent_twice_adds_one_intention(officer_client, trail):
    first, second = post_twice(officer_client, reverse("needs_assessment:intention_create"), _intention_data())
    assert CommissioningIntention.objects.filter(title="Stalking advocacy service").count() == 1
    assert_saved_once(first, second, "The intention “Stalking advocacy service” has been added.")


def test_the_theme_form_sent_twice_adds_one_theme(officer_client, trail):
    first, second = post_twice(officer_client, reverse("needs_assessment:theme_create"), {"name": "Stalking"})
    assert Theme.objects.filter(name="Stalking").count() == 1
    assert_saved_once(first, second, "The theme “Stalking” has been added.")
