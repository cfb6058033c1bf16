"""The provider portal: a provider user sees and changes its own organisation's things only.

Every portal URL is tried with another organisation's ids (refused, nothing changed), internal
pages are refused, and the return form refuses bad input naming the field while saving a
breakdown that does not add up, with a warning.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from grants.models import AwardKPI, AwardStatus, MonitoringReturn, ReturnStatus, Variation, VariationStatus
from outcomes.models import CountingDefinition
from providers.models import Contact, DueDiligenceDocument, Organisation
from tests.factories import (
    AwardFactory,
    ContactFactory,
    DueDiligenceDocumentFactory,
    OrganisationFactory,
    PaymentFactory,
)
from tests.factories.agreement_acceptance import AgreementFactory
from tests.factories.providers import PDF_BYTES
from tests.factories.variations import VariationFactory
from tests.submissions import assert_saved_once, post_twice

pytestmark = pytest.mark.django_db


def _return(award, *, quarter=1, fy=2019, status=ReturnStatus.DUE, **fields) -> MonitoringReturn:
    return MonitoringReturn.objects.create(
        award=award,
        fy=fy,
        quarter=quarter,
        status=status,
        due_date=datetime.date(fy, 7, 20) if quarter == 1 else datetime.date(fy, 10, 20),
        **fields,
    )


@pytest.fixture
def award(organisation):
    return AwardFactory(
        provider=organisation, status=AwardStatus.ACTIVE, title="Harbour victims' hub", reference="AWD-OWN-1"
    )


@pytest.fixture
def due_return(award):
    return _return(award)


@pytest.fixture
def other():
    """Another organisation with an award, a payment, a return, a contact and a document."""
    organisation = OrganisationFactory(name="Other Org Ltd")
    award = AwardFactory(
        provider=organisation, status=AwardStatus.ACTIVE, title="Someone else's service", reference="AWD-OTHER-1"
    )
    return {
        "organisation": organisation,
        "award": award,
        "payment": PaymentFactory(award=award, invoice_reference="INV-OTHER-42"),
        "return": _return(award),
        "contact": ContactFactory(organisation=organisation, name="Olive Other", email="olive@other.example"),
        "document": DueDiligenceDocumentFactory(organisation=organisation, original_name="other-insurance.pdf"),
        "agreement": AgreementFactory(award=award),
        "variation": VariationFactory(award=award, raised_by_provider=True),
    }


def _text(html: str) -> str:
    """The page's text: tags removed and white space collapsed."""
    import re

    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def _summary_links(html: str) -> list[tuple[str, str]]:
    """(href, text) of each link in the page's error summary, in order."""
    import re

    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    assert summary, "no error summary"
    return re.findall(r'<a href="([^"]+)">([^<]*)</a>', summary.group(0))


def _post_return(client, ret, *, action="save", **fields):
    data = {"version": ret.version, action: "1"}
    data.update({key: value for key, value in fields.items()})
    return client.post(reverse("portal:return", args=[ret.pk]), data)


# The portal's pages ---------------------------------------------------------------------------------


def test_home_redirects_a_provider_user_to_the_portal(provider_client):
    response = provider_client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")


def test_portal_home_lists_own_awards_payments_and_returns_only(
    provider_client, organisation, award, due_return, other
):
    AwardFactory(provider=organisation, status=AwardStatus.PROCURING, title="Secret tender")
    PaymentFactory(award=award, invoice_reference="INV-OWN-7", amount=Decimal("1234.50"))
    overdue = _return(award, quarter=2, status=ReturnStatus.DRAFT)
    MonitoringReturn.objects.filter(pk=overdue.pk).update(due_date=datetime.date(2019, 10, 20))

    response = provider_client.get(reverse("portal:home"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Harbour victims&#x27; hub" in html
    assert "INV-OWN-7" in html and "£1,234.50" in html
    assert reverse("portal:return", args=[due_return.pk]) in html
    assert "Late" in html  # the 2019 returns are long past their due dates
    assert "Secret tender" not in html  # procurement is not shown
    for text in ("Someone else", "INV-OTHER-42", "AWD-OTHER-1"):
        assert text not in html


def _portal_home_queries(client, organisation, count: int) -> int:
    """Add ``count`` awards, each with a payment and two returns, then count the home page's queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _n in range(count):
        award = AwardFactory(provider=organisation, status=AwardStatus.ACTIVE)
        PaymentFactory(award=award)
        _return(award, quarter=1)
        _return(award, quarter=2, status=ReturnStatus.SUBMITTED)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("portal:home")).status_code == 200
    return len(queries)


def test_portal_home_query_count_is_flat(provider_client, organisation):
    few = _portal_home_queries(provider_client, organisation, 2)
    more = _portal_home_queries(provider_client, organisation, 8)
    assert few == more


def test_award_page_shows_dates_value_payments_and_returns(provider_client, award, due_return):
    PaymentFactory(award=award, paid_date=datetime.date(2019, 7, 1), amount=Decimal("2500.00"))
    response = provider_client.get(reverse("portal:award", args=[award.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 April 2019" in html and "31 March 2020" in html
    assert "2019/20" in html and "£2,500.00" in html
    assert "Q1 2019/20" in html


def test_award_page_leaves_out_cancelled_payments_and_shows_quarters_not_begun_as_upcoming(
    provider_client, award, time_machine
):
    time_machine.move_to(datetime.datetime(2019, 8, 1, 12, 0))
    PaymentFactory(
        award=award,
        amount=Decimal("1234.00"),
        approved_at=None,
        cancelled_at=timezone.now(),
        cancel_reason="Entered twice",
    )
    for quarter in (2, 3):
        _return(award, quarter=quarter)
    html = provider_client.get(reverse("portal:award", args=[award.pk])).content.decode()
    assert "£1,234.00" not in html
    # On 1 August, Q2 (July to September) can be filled in; Q3 opens on 1 October.
    assert "Opens 1 Oct 2019" in html and html.count("Upcoming") == 1


# Another organisation's ids: refused, nothing changed ----------------------------------------------


def _other_urls(other) -> list[tuple[str, str]]:
    return [
        ("get", reverse("portal:award", args=[other["award"].pk])),
        ("get", reverse("portal:return", args=[other["return"].pk])),
        ("post", reverse("portal:return", args=[other["return"].pk])),
        ("get", reverse("portal:contact_edit", args=[other["contact"].pk])),
        ("post", reverse("portal:contact_edit", args=[other["contact"].pk])),
        ("get", reverse("portal:contact_delete", args=[other["contact"].pk])),
        ("post", reverse("portal:contact_delete", args=[other["contact"].pk])),
        ("get", reverse("portal:document_download", args=[other["document"].pk])),
        ("get", reverse("portal:agreement", args=[other["agreement"].pk])),
        ("post", reverse("portal:agreement", args=[other["agreement"].pk])),
        ("get", reverse("portal:agreement_download", args=[other["agreement"].pk, "pdf"])),
        ("get", reverse("portal:variation_create", args=[other["award"].pk])),
        ("post", reverse("portal:variation_create", args=[other["award"].pk])),
        ("get", reverse("portal:variation", args=[other["variation"].pk])),
        ("post", reverse("portal:variation_withdraw", args=[other["variation"].pk])),
    ]


def test_every_portal_url_refuses_another_organisations_ids(provider_client, other):
    for method, url in _other_urls(other):
        data = (
            {"version": 1, "name": "Hijacked", "referrals": 5, "supported": 5, "submit": "1"}
            if method == "post"
            else None
        )
        response = getattr(provider_client, method)(url, data)
        assert response.status_code == 404, f"{method.upper()} {url} gave {response.status_code}"

    ret = MonitoringReturn.objects.get(pk=other["return"].pk)
    assert (ret.status, ret.referrals, ret.version) == (ReturnStatus.DUE, None, 1)
    assert Contact.objects.get(pk=other["contact"].pk).name == "Olive Other"
    assert Variation.objects.get(pk=other["variation"].pk).status == VariationStatus.REQUESTED
    assert Variation.objects.filter(award=other["award"]).count() == 1


def test_every_portal_url_with_an_organisation_or_pk_refuses_someone_elses(provider_client, other):
    """The portal takes the organisation from the user, never from the URL: no portal URL has
    an organisation id, and every id it takes is tried above."""
    from portal import urls as portal_urls

    tried = {
        name
        for name in (
            "award",
            "return",
            "contact_edit",
            "contact_delete",
            "document_download",
            "agreement",
            "agreement_download",
            "variation_create",
            "variation",
            "variation_withdraw",
        )
    }
    with_ids = {pattern.name for pattern in portal_urls.urlpatterns if pattern.pattern.converters}
    assert with_ids == tried


def test_a_provider_cannot_see_its_own_award_while_it_is_being_procured(provider_client, organisation):
    award = AwardFactory(provider=organisation, status=AwardStatus.PROCURING)
    ret = _return(award)
    assert provider_client.get(reverse("portal:award", args=[award.pk])).status_code == 404
    assert provider_client.get(reverse("portal:return", args=[ret.pk])).status_code == 404


def test_internal_pages_are_refused_to_a_provider_user(provider_client, organisation, award, due_return):
    for url in (
        reverse("providers:list"),
        reverse("providers:detail", args=[organisation.pk]),
        reverse("providers:documents", args=[organisation.pk]),
        reverse("grants:index"),
        reverse("grants:award_detail", args=[award.pk]),
        reverse("grants:provider_awards", args=[organisation.pk]),
        reverse("grants:funding"),
        reverse("reports:index"),
        reverse("needs_assessment:index"),
        reverse("outcomes:plan"),
        reverse("grants:returns_inbox"),
        reverse("grants:return_review", args=[due_return.pk]),
        reverse("grants:award_performance", args=[award.pk]),
    ):
        assert provider_client.get(url).status_code in (403, 404), url


def test_the_portal_is_refused_to_internal_users(officer_client, board_client, due_return):
    for client in (officer_client, board_client):
        assert client.get(reverse("portal:home")).status_code == 403
        assert client.get(reverse("portal:return", args=[due_return.pk])).status_code == 403


def test_a_provider_user_without_an_organisation_is_told_so(login_as):
    from pcc_commissioning.roles import Role
    from tests.factories import UserFactory

    client = login_as(UserFactory(username="unlinked", role=Role.PROVIDER))
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert "not yet linked" in response.content.decode()
    assert client.get(reverse("portal:organisation")).status_code == 404


# The return form -----------------------------------------------------------------------------------


def test_return_form_shows_each_code_with_its_definition_and_the_counting_definitions(provider_client, due_return):
    CountingDefinition.objects.update_or_create(
        term="referral",
        defaults={"label": "Referral", "definition": "A request for help that reaches us, counted once per person."},
    )
    CountingDefinition.objects.update_or_create(
        term="supported",
        defaults={"label": "Victim supported", "definition": "Someone given at least one support session."},
    )
    url = reverse("portal:return", args=[due_return.pk])
    pages = [provider_client.get(f"{url}?part={part}") for part in ("numbers", "breakdowns", "outcomes", "about")]
    assert all(page.status_code == 200 for page in pages)
    html = "".join(page.content.decode() for page in pages)
    assert "counted once per person" in html and "at least one support session" in html
    for name in (
        "crime__domestic_abuse",
        "age__18_24",
        "sex__female",
        "ethnicity__white",
        "disability__yes",
        "outcome__feel_safer__assessed",
        "outcome__feel_safer__improved",
    ):
        assert f'name="{name}"' in html, name
    from outcomes.selectors import code_list

    entry = code_list("crime", fy=2019).exclude(definition="").first()
    assert entry is not None and str(entry.definition)[:30] in html.replace("&#x27;", "'")
    assert "no names or details that could identify a person" in html
    assert 'name="case_study_consent"' in html


def test_save_as_draft_then_submit(provider_client, provider_user, due_return, award):
    kpi = AwardKPI.objects.create(award=award, name="Victims supported to cope", unit="people", target=Decimal("30"))

    response = _post_return(
        provider_client,
        due_return,
        referrals=40,
        supported=30,
        crime__domestic_abuse=30,
        outcome__feel_safer__assessed=20,
        outcome__feel_safer__improved=15,
        **{f"kpi__{kpi.pk}": "28"},
        narrative="A steady quarter.",
    )

    assert response.status_code == 302
    ret = MonitoringReturn.objects.get(pk=due_return.pk)
    assert (ret.status, ret.referrals, ret.supported) == (ReturnStatus.DRAFT, 40, 30)
    assert ret.breakdowns.get().count == 30
    assert (ret.outcomes.get().assessed, ret.outcomes.get().improved) == (20, 15)
    assert ret.kpi_values.get().value == Decimal("28")

    page = provider_client.get(response["Location"]).content.decode()
    assert 'value="40"' in page
    check = provider_client.get(response["Location"] + "?part=check").content.decode()
    assert "A steady quarter." in check and "28" in check

    response = _post_return(provider_client, ret, action="submit", referrals=40, supported=30, crime__domestic_abuse=30)
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.SUBMITTED and ret.submitted_by == provider_user


def test_a_submitted_return_is_read_only_until_it_is_returned(provider_client, due_return):
    MonitoringReturn.objects.filter(pk=due_return.pk).update(status=ReturnStatus.SUBMITTED, referrals=9, supported=8)

    page = provider_client.get(reverse("portal:return", args=[due_return.pk])).content.decode()
    assert "Submit return" not in page and "disabled" in page

    response = _post_return(provider_client, MonitoringReturn.objects.get(pk=due_return.pk), referrals=1, supported=1)
    assert response.status_code == 302
    assert MonitoringReturn.objects.get(pk=due_return.pk).referrals == 9

    MonitoringReturn.objects.filter(pk=due_return.pk).update(
        status=ReturnStatus.RETURNED, returned_reason="Add the age breakdown."
    )
    url = reverse("portal:return", args=[due_return.pk])
    page = provider_client.get(url).content.decode()
    assert "Add the age breakdown." in page and "Save and continue" in page
    assert "Submit return" in provider_client.get(f"{url}?part=check").content.decode()


@pytest.mark.parametrize(
    ("fields", "field_name", "message"),
    [
        ({"referrals": -1, "supported": 3}, "referrals", "0 or more"),
        ({"referrals": 3, "supported": -2}, "supported", "0 or more"),
        ({"referrals": 3, "supported": 3, "crime__violence": -1}, "crime__violence", "0 or more"),
        (
            {
                "referrals": 3,
                "supported": 3,
                "outcome__cope_recover__assessed": 4,
                "outcome__cope_recover__improved": 5,
            },
            "outcome__cope_recover__improved",
            "cannot be more than the number assessed",
        ),
        ({"referrals": "lots", "supported": 3}, "referrals", "whole number"),
    ],
)
@pytest.mark.parametrize("action", ["save", "submit"])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(
    provider_client, due_return, fields, field_name, message, action
):
    response = _post_return(provider_client, due_return, action=action, **fields)

    assert response.status_code == 200
    form = response.context["form"]
    assert field_name in form.errors and message in " ".join(form.errors[field_name])
    html = response.content.decode()
    assert "There is a problem" in html and f'href="#id_{field_name}"' in html
    ret = MonitoringReturn.objects.get(pk=due_return.pk)
    assert (ret.status, ret.referrals, ret.supported, ret.version) == (ReturnStatus.DUE, None, None, 1)
    assert not ret.breakdowns.exists() and not ret.outcomes.exists()


def test_a_service_refusal_is_shown_on_its_field(provider_client, due_return):
    """Submitting needs both counts (the service's rule): the message lands on the field."""
    response = _post_return(provider_client, due_return, action="submit", referrals=4)
    assert response.status_code == 200
    assert "supported" in response.context["form"].errors
    assert MonitoringReturn.objects.get(pk=due_return.pk).status == ReturnStatus.DUE


def test_a_breakdown_that_does_not_add_up_is_saved_with_a_warning(provider_client, due_return):
    response = _post_return(provider_client, due_return, referrals=12, supported=10, sex__female=6, sex__male=2)
    assert response.status_code == 302
    ret = MonitoringReturn.objects.get(pk=due_return.pk)
    assert ret.status == ReturnStatus.DRAFT and sum(b.count for b in ret.breakdowns.all()) == 8

    page = provider_client.get(response["Location"] + "?part=breakdowns").content.decode()
    assert "adds up to 8" in page and "10 victims were supported" in page  # the service's warning
    assert "Before you submit, correct the breakdowns or say why they do not add up" in page
    # Beside the fieldset, worked out by the server (no JavaScript needed): 6 + 2 = 8 of 10.
    assert "Total entered: 8 of 10 supported — 2 short" in _text(page)
    assert 'id="sex-total" class="govuk-warning-text' in page
    # The explanation box is shown, since the sex breakdown does not add up.
    assert "data-breakdown-explanation>" in page and 'name="breakdown_explanation"' in page


def test_running_totals_are_shown_without_javascript(provider_client, due_return):
    # 7 of 10 by sex (3 short), 10 of 10 by crime type, 4 + 8 = 12 of 10 by age (2 over);
    # "x" in a disability box is refused by the form and not counted.
    response = _post_return(
        provider_client,
        due_return,
        referrals=12,
        supported=10,
        sex__female=7,
        crime__domestic_abuse=6,
        crime__violence=4,
        age__18_24=4,
        age__25_34=8,
        disability__yes="x",
    )
    assert response.status_code == 200  # refused: the disability box holds no number
    text = _text(response.content.decode())
    assert "Total entered: 7 of 10 supported — 3 short" in text
    assert "Total entered: 10 of 10 supported — adds up" in text
    assert "Total entered: 12 of 10 supported — 2 over" in text
    assert "Total entered: none (1 box not counted: not a whole number)" in text
    assert "Total entered: none" in text  # ethnicity, left empty


def test_the_explanation_box_is_hidden_while_everything_adds_up(provider_client, due_return):
    page = provider_client.get(reverse("portal:return", args=[due_return.pk]) + "?part=breakdowns").content.decode()
    assert "data-breakdown-explanation hidden>" in page
    # The page's script, served from /static/ (no inline script), and a single live region.
    assert 'src="/static/js/return-totals.js" type="module"' in page
    assert page.count('aria-live="polite"') == 1


def test_submitting_a_mismatch_without_an_explanation_shows_the_error_summary(provider_client, due_return):
    response = _post_return(
        provider_client,
        due_return,
        action="submit",
        referrals=12,
        supported=10,
        sex__female=6,
        sex__male=2,
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: " in html
    assert _summary_links(html) == [
        ("#id_sex__female", "The sex breakdown adds up to 8, not the 10 victims supported (2 short)."),
        (
            "#id_breakdown_explanation",
            "The sex breakdown does not add up to the 10 victims supported: correct the "
            "numbers, or explain why they do not add up.",
        ),
    ]
    # Each link leads to a box on the page; the list's own error sits in its fieldset.
    assert 'id="id_sex__female"' in html and 'id="id_breakdown_explanation"' in html
    assert 'aria-describedby="sex-hint sex-error sex-total"' in html
    assert "Why do the breakdowns not add up?" in html
    assert "data-breakdown-explanation>" in html  # shown, not hidden
    ret = MonitoringReturn.objects.get(pk=due_return.pk)
    assert (ret.status, ret.supported, ret.breakdown_explanation) == (ReturnStatus.DUE, None, "")


def test_submitting_a_mismatch_with_an_explanation(provider_client, due_return):
    response = _post_return(
        provider_client,
        due_return,
        action="submit",
        referrals=12,
        supported=10,
        sex__female=6,
        sex__male=2,
        breakdown_explanation="Two people preferred not to say.",
    )

    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    ret = MonitoringReturn.objects.get(pk=due_return.pk)
    assert (ret.status, ret.breakdown_explanation) == (ReturnStatus.SUBMITTED, "Two people preferred not to say.")
    home = provider_client.get(response["Location"]).content.decode()
    assert "The sex breakdown adds up to 8, but 10 victims were supported." in home  # still warned

    # Read-only now: the provider still sees what they wrote, and no script is loaded.
    page = provider_client.get(reverse("portal:return", args=[ret.pk])).content.decode()
    assert "Two people preferred not to say." in page
    assert "return-totals.js" not in page and "data-return-live" not in page


@pytest.mark.parametrize(
    ("fields", "href", "message"),
    [
        (
            {"crime__domestic_abuse": 11},
            "#id_crime__domestic_abuse",
            "The number supported for crime type “Domestic abuse” (11) cannot be more than the number of victims "
            "supported (10).",
        ),
    ],
)
@pytest.mark.parametrize("action", ["save", "submit"])
def test_a_count_above_the_victims_supported_is_refused_linking_to_its_box(
    provider_client, due_return, fields, href, message, action
):
    response = _post_return(provider_client, due_return, action=action, referrals=12, supported=10, **fields)

    assert response.status_code == 200
    html = response.content.decode()
    assert _summary_links(html) == [(href, message)]
    assert f'id="{href[1:]}"' in html
    assert message in response.context["form"].errors[href.removeprefix("#id_")]
    ret = MonitoringReturn.objects.get(pk=due_return.pk)
    assert (ret.status, ret.supported) == (ReturnStatus.DUE, None)


def test_a_form_error_in_the_summary_names_the_list_of_its_box(provider_client, due_return):
    response = _post_return(provider_client, due_return, referrals=3, supported=3, age__unknown="-1", sex__unknown="x")
    assert _summary_links(response.content.decode()) == [
        ("#id_age__unknown", "Not known (age band): Enter a number that is 0 or more"),
        ("#id_sex__unknown", "Not known (sex): Enter a whole number, like 12"),
    ]


def test_another_organisations_provider_cannot_see_the_explanation(login_as, due_return):
    from pcc_commissioning.roles import Role
    from providers.services import membership_set
    from tests.factories import UserFactory

    MonitoringReturn.objects.filter(pk=due_return.pk).update(
        status=ReturnStatus.SUBMITTED, referrals=12, supported=10, breakdown_explanation="Private reason."
    )
    stranger = UserFactory(username="stranger", role=Role.PROVIDER)
    membership_set(user=stranger, organisation=OrganisationFactory(name="Stranger Org"))
    client = login_as(stranger)

    response = client.get(reverse("portal:return", args=[due_return.pk]))
    assert response.status_code == 404 and b"Private reason." not in response.content
    response = client.get(reverse("grants:return_review", args=[due_return.pk]))
    assert response.status_code == 403 and b"Private reason." not in response.content


def test_a_stale_form_is_refused(provider_client, due_return):
    MonitoringReturn.objects.filter(pk=due_return.pk).update(version=2)
    response = _post_return(provider_client, due_return, referrals=3, supported=3)  # sends version 1
    assert response.status_code == 200
    assert "Someone else saved this record" in response.content.decode()
    assert MonitoringReturn.objects.get(pk=due_return.pk).referrals is None


# Organisation details, contacts and documents -----------------------------------------------------


def test_provider_updates_only_its_contact_details(provider_client, organisation):
    organisation.refresh_from_db()
    response = provider_client.post(
        reverse("portal:organisation_edit"),
        {
            "address": "1 Quay Street\nSunderland",
            "postcode": "SR1 1AA",
            "website": "harbour.example",
            "email": "hello@harbour.example",
            "phone": "0191 000 0000",
            "version": organisation.version,
            "name": "Renamed by provider",
            "charity_number": "1234567",
        },
    )
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.postcode == "SR1 1AA" and organisation.website == "https://harbour.example"
    assert organisation.name == "Harbour Support Services" and organisation.charity_number == ""
    assert organisation.history.first().history_user.username == "provider"


def test_contact_details_bad_email_is_refused(provider_client, organisation):
    organisation.refresh_from_db()
    response = provider_client.post(
        reverse("portal:organisation_edit"), {"email": "not an email", "version": organisation.version}
    )
    assert response.status_code == 200 and "email" in response.context["form"].errors
    assert Organisation.objects.get(pk=organisation.pk).email == ""


def test_provider_adds_changes_and_removes_its_contacts(provider_client, organisation):
    response = provider_client.post(
        reverse("portal:contact_add"), {"name": "Pat Provider", "email": "pat@harbour.example", "is_primary": "on"}
    )
    assert response.status_code == 302
    contact = Contact.objects.get(organisation=organisation)
    assert contact.is_primary

    response = provider_client.post(
        reverse("portal:contact_edit", args=[contact.pk]),
        {"name": "Pat Provider", "email": "pat.p@harbour.example", "version": contact.version},
    )
    assert response.status_code == 302
    assert Contact.objects.get(pk=contact.pk).email == "pat.p@harbour.example"

    assert provider_client.post(reverse("portal:contact_delete", args=[contact.pk])).status_code == 302
    assert not Contact.objects.filter(organisation=organisation).exists()


def test_provider_uploads_lists_and_downloads_its_documents(provider_client, organisation, other):
    upload = SimpleUploadedFile("safeguarding.pdf", PDF_BYTES, content_type="application/pdf")
    response = provider_client.post(
        reverse("portal:document_add"),
        {
            "kind": "safeguarding",
            "file": upload,
            "valid_from_0": "1",
            "valid_from_1": "4",
            "valid_from_2": "2025",
        },
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    document = DueDiligenceDocument.objects.get(organisation=organisation)

    listing = provider_client.get(reverse("portal:documents")).content.decode()
    assert "safeguarding.pdf" in listing and "other-insurance.pdf" not in listing

    download = provider_client.get(reverse("portal:document_download", args=[document.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF_BYTES


def test_a_file_that_is_not_a_document_is_refused(provider_client, organisation):
    upload = SimpleUploadedFile("policy.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = provider_client.post(
        reverse("portal:document_add"),
        {
            "kind": "safeguarding",
            "file": upload,
            "valid_from_0": "1",
            "valid_from_1": "4",
            "valid_from_2": "2025",
        },
    )
    assert response.status_code == 200 and "file" in response.context["form"].errors
    assert not DueDiligenceDocument.objects.filter(organisation=organisation).exists()


def test_the_portal_links_to_the_password_change_page(provider_client):
    html = provider_client.get(reverse("portal:organisation")).content.decode()
    assert reverse("password_change") in html
    assert provider_client.get(reverse("password_change")).status_code == 200


# A lead's page: the organisation's users ------------------------------------------------------


@pytest.fixture
def lead_client(organisation, login_as):
    from pcc_commissioning.roles import Role
    from providers.services import membership_set
    from tests.factories import UserFactory

    lead = UserFactory(username="lead", first_name="Lee", last_name="Lead", role=Role.PROVIDER)
    membership_set(user=lead, organisation=organisation, is_lead=True)
    return login_as(lead)


def test_a_lead_sees_their_organisations_users_and_invitations_only(lead_client, provider_user, organisation, other):
    from django.core import mail

    from pcc_commissioning.roles import Role
    from providers.invitations.services import invitation_create
    from providers.services import membership_set
    from tests.factories import UserFactory

    officer = UserFactory(role=Role.OFFICER)
    invitation_create(
        organisation=organisation,
        actor=officer,
        email="waiting@example.org",
        first_name="Wendy",
        last_name="Waiting",
        link_base="http://testserver",
    )
    membership_set(
        user=UserFactory(first_name="Olive", last_name="Other", email="olive.user@other.example"),
        organisation=other["organisation"],
    )
    invitation_create(
        organisation=other["organisation"],
        actor=officer,
        email="theirs@other.example",
        first_name="Theo",
        last_name="Theirs",
        link_base="http://testserver",
    )
    assert len(mail.outbox) == 2

    response = lead_client.get(reverse("portal:users"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Lee Lead" in html and provider_user.display_name in html and provider_user.email in html
    assert "Wendy Waiting" in html and "waiting@example.org" in html
    for text in ("Olive Other", "olive.user@other.example", "Theo Theirs", "theirs@other.example"):
        assert text not in html
    assert 'aria-current="page">Your organisation\'s users' in html


def test_a_lead_invites_a_colleague_never_as_lead(lead_client, organisation):
    from django.core import mail

    from providers.models import ProviderInvitation

    form = lead_client.get(reverse("portal:invitation_create"))
    assert form.status_code == 200 and "as_lead" not in form.content.decode()
    response = lead_client.post(
        reverse("portal:invitation_create"),
        {"first_name": "Cal", "last_name": "Colleague", "email": "cal@example.org", "as_lead": "on"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("portal:users")
    invitation = ProviderInvitation.objects.get()
    assert (invitation.organisation, invitation.email, invitation.as_lead) == (organisation, "cal@example.org", False)
    assert mail.outbox[0].to == ["cal@example.org"]


def test_a_leads_bad_input_is_shown_naming_the_field(lead_client):
    from providers.models import ProviderInvitation

    response = lead_client.post(
        reverse("portal:invitation_create"), {"first_name": "Cal", "last_name": "", "email": "cal@"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in html
    assert "Last name: Enter their last name" in html
    assert "Email address: Enter an email address in the correct format" in html
    assert ProviderInvitation.objects.count() == 0


def test_a_provider_user_who_is_not_a_lead_cannot_see_or_invite(provider_client):
    from django.core import mail

    from providers.models import ProviderInvitation

    assert provider_client.get(reverse("portal:users")).status_code == 403
    assert provider_client.get(reverse("portal:invitation_create")).status_code == 403
    response = provider_client.post(
        reverse("portal:invitation_create"), {"first_name": "Cal", "last_name": "Colleague", "email": "cal@example.org"}
    )
    assert response.status_code == 403
    assert ProviderInvitation.objects.count() == 0 and mail.outbox == []
    # The portal's navigation offers the page to leads only.
    assert reverse("portal:users") not in provider_client.get(reverse("portal:home")).content.decode()


def test_the_portal_navigation_offers_the_users_page_to_a_lead(lead_client):
    assert reverse("portal:users") in lead_client.get(reverse("portal:home")).content.decode()


def test_a_lead_cannot_reach_the_officers_users_tab_of_any_organisation(lead_client, organisation, other):
    for pk in (organisation.pk, other["organisation"].pk):
        assert lead_client.get(reverse("providers:users", args=[pk])).status_code == 403
        assert (
            lead_client.post(
                reverse("providers:invitation_create", args=[pk]),
                {"first_name": "A", "last_name": "B", "email": "ab@example.org"},
            ).status_code
            == 403
        )


# Forms sent twice (a double click, a retry) save once ------------------------------------------------


def test_a_return_submitted_twice_is_submitted_once_and_the_second_answer_says_so(provider_client, due_return):
    from grants.monitoring.selectors import quarter_label

    url = reverse("portal:return", args=[due_return.pk])
    data = {"version": due_return.version, "submit": "1", "referrals": 40, "supported": 30, "crime__domestic_abuse": 30}
    first, second = post_twice(provider_client, url, data)
    due_return.refresh_from_db()
    assert due_return.status == ReturnStatus.SUBMITTED and due_return.version == 2
    assert_saved_once(first, second, f"Your return for {quarter_label(2019, 1)} has been submitted.")
    assert "cannot be changed" not in second.content.decode()


def test_the_contact_form_sent_twice_adds_one_contact(provider_client, organisation):
    first, second = post_twice(
        provider_client, reverse("portal:contact_add"), {"name": "Pat Provider", "email": "pat@harbour.example"}
    )
    assert Contact.objects.filter(organisation=organisation).count() == 1
    assert_saved_once(first, second, "Pat Provider has been added as a contact.")


def test_the_document_form_sent_twice_uploads_one_document(provider_client, organisation):
    first, second = post_twice(
        provider_client,
        reverse("portal:document_add"),
        lambda: {
            "kind": "safeguarding",
            "valid_from_0": "1",
            "valid_from_1": "4",
            "valid_from_2": "2025",
            "file": SimpleUploadedFile("safeguarding.pdf", PDF_BYTES, "application/pdf"),
        },
    )
    assert DueDiligenceDocument.objects.filter(organisation=organisation).count() == 1
    assert_saved_once(first, second, "Safeguarding policy (safeguarding.pdf) has been uploaded.")


def test_a_leads_invitation_sent_twice_is_sent_once(lead_client):
    from django.core import mail

    from providers.models import ProviderInvitation

    first, second = post_twice(
        lead_client,
        reverse("portal:invitation_create"),
        {"first_name": "Cal", "last_name": "Colleague", "email": "cal@example.org"},
    )
    assert ProviderInvitation.objects.count() == 1 and len(mail.outbox) == 1
    assert_saved_once(first, second, "An invitation has been sent to Cal Colleague at cal@example.org.")
