"""The MoJ return's pages: the index, the return page (figures with issues beside them and links
to the records behind them, history, actions by role), the actions, the downloads through the
reports engine, the report kind's parameters form and flat query counts."""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grants.models import AwardStatus, FundingLine, MonitoringReturn
from pcc_commissioning.concurrency import STALE_MESSAGE
from reports.engine.registry import REPORT_KINDS
from reports.models import MojReturn, Report
from reports.moj import services
from reports.moj.kind import MojReturnReportForm, build_moj_return
from tests.factories.grants import AwardFactory, FundingLineFactory, PaymentFactory
from tests.factories.monitoring import MonitoringReturnFactory
from tests.submissions import assert_saved_once, post_twice

from .moj_dataset import build_moj_dataset, code, returned

PAGE = "/reports/moj/2019/h1/"


def url(name: str, fy: int = 2019, half: int = 1) -> str:
    return reverse(f"reports:{name}", kwargs={"fy": fy, "half": half})


@pytest.fixture
def data(db):
    return build_moj_dataset()


@pytest.fixture
def draft(data, officer):
    return services.moj_return_start(fy=2019, half=1, actor=officer)


@pytest.fixture
def submitted(draft, officer):
    return services.moj_return_submit(moj_return=draft, actor=officer, version=draft.version)


def _sign_off_post(moj_return, *, explain: bool = True, role: str = "Chief Finance Officer") -> dict:
    figures = services.live_figures(moj_return)
    post = {
        "number": moj_return.number,
        "version": moj_return.version,
        "checksum": services.content_checksum(figures),
        "signatory_role": role,
    }
    if explain:
        for issue in services.blocking_issues(figures):
            post[services.explanation_field(issue["key"])] = (
                "Provider's return arrived late; figures confirmed by phone."
            )
    return post


@pytest.fixture
def signed_off(submitted, finance_client):
    response = finance_client.post(url("moj_sign_off"), _sign_off_post(submitted))
    assert response.status_code == 302
    return MojReturn.objects.get(pk=submitted.pk)


def text(response) -> str:
    return response.content.decode()


# Index -------------------------------------------------------------------------------------------


def test_the_index_lists_each_year_and_half_with_a_start_button_for_officers(data, officer_client, board_client):
    page = text(officer_client.get("/reports/moj/"))
    assert "H1 2019/20" in page and "H2 2019/20" in page
    assert f'action="{url("moj_start")}"' in page and f'action="{url("moj_start", half=2)}"' in page
    assert 'action="/reports/moj/' not in text(board_client.get("/reports/moj/"))


def test_the_index_shows_the_latest_version_status(signed_off, officer, officer_client):
    services.moj_return_amend(moj_return=signed_off, actor=officer, reason="Late return arrived")
    page = text(officer_client.get("/reports/moj/"))
    assert "Version 2" in page and 'govuk-tag--grey">Draft' in page


def test_the_reports_page_links_to_the_moj_returns(board_client):
    assert "/reports/moj/" in text(board_client.get("/reports/"))


# The return page -----------------------------------------------------------------------------------


def test_a_half_with_no_moj_streams_says_so_with_no_start_button(data, officer_client):
    page = text(officer_client.get(url("moj_return", fy=2021)))
    assert "No funding stream reported to the MoJ has an allocation or funding lines in 2021/22" in page
    assert "Start the return" not in page and "Spreadsheet (XLSX)" not in page
    response = officer_client.post(url("moj_start", fy=2021), follow=True)
    assert "No funding stream reported to the MoJ" in text(response)
    assert not MojReturn.objects.exists()


def test_an_unstarted_half_offers_officers_the_start_button(data, officer_client, finance_client):
    assert "Start the return" in text(officer_client.get(PAGE))
    assert "Start the return" not in text(finance_client.get(PAGE))


def test_an_officer_starts_the_return_and_sees_its_issues_linked_to_the_records(data, officer_client):
    response = officer_client.post(url("moj_start"), follow=True)
    page = text(response)
    assert MojReturn.objects.get().number == 1
    assert "has been started" in page
    assert "AWD-2019-0003 (Harbour): no monitoring return for Q1 2019/20." in page
    # A missing return links to the award; a draft return to the return itself.
    assert reverse("grants:award_detail", kwargs={"pk": data["a3"].pk}) in page
    draft_return = MonitoringReturn.objects.get(award=data["a5"], quarter=2)
    assert reverse("grants:return_review", kwargs={"pk": draft_return.pk}) in page
    # Each figure links to the award and the returns behind it.
    accepted = MonitoringReturn.objects.get(award=data["a1"], quarter=1)
    assert reverse("grants:return_review", kwargs={"pk": accepted.pk}) in page
    assert f"{reverse('grants:award_detail', kwargs={'pk': data['a1'].pk})}#payments" in page
    assert reverse("grants:stream_detail", kwargs={"pk": data["core"].pk}) in page
    # Figures, totals with restorative justice on its own line, outcomes with the percentage.
    assert "£100,000.00" in page and "£44,500.00" in page
    assert "Restorative justice" in page and "Victim services (every category but restorative justice)" in page
    assert "73%" in page and "63%" in page  # 16 of 22, 5 of 8
    assert "Submit for sign-off" in page


def test_unspent_is_defined_where_it_is_shown_and_is_the_allocation_less_paid_to_date(draft, officer_client):
    page = text(officer_client.get(PAGE))
    streams = page[page.index('id="streams"') : page.index('id="services"')]
    assert "Unspent is the allocation less what has been paid to date." in streams
    assert "remaining" not in page.lower()
    # MoJ Core: committed 40,000 + 20,000 + 10,000 + 5,000 (0006 is only planned); paid in H1,
    # and so to 30 September 2019: 10,000 (in advance) + 10,000 (0001) + 5,000 (0003)
    # + 5,000 − 500 (0004) + 2,500 (0005) = 32,000; unspent 100,000 − 32,000 = 68,000.
    core = streams[streams.index("MoJ Core") :]
    core = core[: core.index("</tr>")]
    cells = re.findall(r'govuk-table__cell--numeric">([^<]+)</td>', core)
    assert cells == ["£100,000.00", "£75,000.00", "£32,000.00", "£32,000.00", "£68,000.00"]


def test_the_page_shows_the_providers_explanation_with_the_mismatch(draft, data, officer_client):
    MonitoringReturn.objects.filter(award=data["a2"], quarter=1).update(
        breakdown_explanation="One survivor did not give her age."
    )
    page = text(officer_client.get(PAGE))
    assert (
        "AWD-2019-0002 (Rape Crisis): the age band breakdown for Q1 2019/20 adds up to 7, not the 8 victims "
        "supported. The provider&#x27;s explanation: “One survivor did not give her age.”"
    ) in page


def test_issues_are_shown_beside_the_service_they_concern(draft, officer_client):
    page = text(officer_client.get(PAGE))
    row_start = page.index("AWD-2019-0003</a>")
    row = page[row_start : page.index("</tr>", row_start)]
    assert "govuk-tag--red" in row and "no monitoring return for Q1 2019/20" in row


def test_the_officer_submits_and_the_finance_officer_sees_the_sign_off_form(draft, officer_client, finance_client):
    response = officer_client.post(url("moj_submit"), {"number": 1, "version": draft.version}, follow=True)
    assert "submitted to a finance officer" in text(response)
    assert MojReturn.objects.get().status == "submitted"
    page = text(finance_client.get(PAGE))
    assert "Sign off the return" in page and 'name="checksum"' in page
    assert 'name="explanation:missing_return:AWD-2019-0003:2019-Q1"' in page
    assert "Submit for sign-off" not in page


def test_a_stale_submit_shows_the_concurrency_message(draft, officer_client):
    response = officer_client.post(url("moj_submit"), {"number": 1, "version": draft.version + 5}, follow=True)
    assert STALE_MESSAGE.split(":")[0] in text(response)
    assert MojReturn.objects.get().status == "draft"


def test_sign_off_without_explanations_is_refused_naming_the_issue(submitted, finance_client):
    response = finance_client.post(url("moj_sign_off"), _sign_off_post(submitted, explain=False))
    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page
    assert (
        "Explain: AWD-2019-0003 (Harbour): no monitoring return for Q1 2019/20.: "
        "Write an explanation of this blocking issue before signing off."
    ) in page
    assert MojReturn.objects.get().status == "submitted"


def test_sign_off_without_a_role_is_refused(submitted, finance_client):
    response = finance_client.post(url("moj_sign_off"), _sign_off_post(submitted, role=""))
    assert response.status_code == 200 and "Your role: Enter your role" in text(response)


def test_a_missing_role_and_missing_explanations_are_reported_together(submitted, finance_client):
    page = text(finance_client.post(url("moj_sign_off"), _sign_off_post(submitted, role="", explain=False)))
    assert "Your role: Enter your role" in page
    assert "Explain: AWD-2019-0005 (Safe Spaces): the monitoring return for Q2 2019/20 is still a draft." in page
    assert MojReturn.objects.get().status == "submitted"


def test_sign_off_after_the_figures_changed_is_refused(submitted, finance_client, data):
    post = _sign_off_post(submitted)
    returned(data["a3"], 1, 9, 9)
    response = finance_client.post(url("moj_sign_off"), post, follow=True)
    assert "The figures changed since you opened the page" in text(response)
    assert MojReturn.objects.get().status == "submitted"


def test_a_signed_off_return_shows_its_frozen_figures_after_later_edits(signed_off, officer_client, data):
    page = text(officer_client.get(PAGE))
    assert "Frozen when signed off" in page and "Chief Finance Officer" in page
    assert "figures confirmed by phone" in page  # the explanations
    FundingLine.objects.filter(award=data["a1"], stream=data["core"]).update(amount=Decimal("77777.00"))
    MonitoringReturn.objects.filter(award=data["a1"], quarter=1).update(supported=999)
    after = text(officer_client.get(PAGE))
    assert "£77,777.00" not in after and "999" not in after
    assert "£40,000.00" in after
    assert "Amend the return" in after


def test_a_frozen_return_lists_breakdowns_in_the_code_lists_order_whatever_order_the_keys_come_back(
    signed_off, officer_client
):
    # PostgreSQL's jsonb hands an object's keys back in its own order (by length, then bytes);
    # simulate the worst case: every object reversed.
    def reversed_keys(value):
        if isinstance(value, dict):
            return {key: reversed_keys(value[key]) for key in reversed(list(value))}
        if isinstance(value, list):
            return [reversed_keys(item) for item in value]
        return value

    MojReturn.objects.filter(pk=signed_off.pk).update(figures=reversed_keys(signed_off.figures))
    page = text(officer_client.get(PAGE))
    order = signed_off.figures["code_order"]["age"]
    shown = [
        signed_off.figures["labels"]["age"][age]
        for age in order
        if f">{signed_off.figures['labels']['age'][age]}<" in page
    ]
    assert len(shown) >= 2
    assert [page.index(f">{label}<") for label in shown] == sorted(page.index(f">{label}<") for label in shown)


def test_an_amendment_lists_its_differences_and_older_versions_stay_readable(signed_off, officer_client, data):
    FundingLine.objects.filter(award=data["a1"], stream=data["core"]).update(amount=Decimal("45000.00"))
    response = officer_client.post(url("moj_amend"), {"number": 1, "reason": "Victim Care's grant grew"}, follow=True)
    page = text(response)
    assert MojReturn.objects.get(number=2).amends == signed_off
    assert "Differences from version 1" in page
    assert "Stream MoJ Core › committed" in page and "80000.00" in page
    older = text(officer_client.get(PAGE + "?version=1"))
    assert "Frozen when signed off" in older and "Amend the return" not in older
    assert officer_client.get(PAGE + "?version=9").status_code == 404


def test_an_amendment_without_a_reason_shows_the_error(signed_off, officer_client):
    response = officer_client.post(url("moj_amend"), {"number": 1, "reason": ""})
    assert response.status_code == 200 and "Say why the return is being amended" in text(response)
    assert MojReturn.objects.count() == 1


def test_returning_to_draft_needs_a_reason(submitted, finance_client):
    response = finance_client.post(url("moj_reopen"), {"number": 1, "version": submitted.version, "reason": ""})
    assert response.status_code == 200 and "Say why" in text(response)
    response = finance_client.post(
        url("moj_reopen"), {"number": 1, "version": submitted.version, "reason": "Q1 figures wrong"}, follow=True
    )
    assert "draft again" in text(response) and MojReturn.objects.get().status == "draft"


def test_board_members_see_no_buttons_and_their_posts_are_refused(submitted, board_client):
    page = text(board_client.get(PAGE))
    for button in (
        "Submit for sign-off",
        "Sign off the return",
        "Return to draft",
        "Amend the return",
        "Start the return",
    ):
        assert button not in page
    for name, post in (
        ("moj_start", {}),
        ("moj_submit", {"number": 1, "version": submitted.version}),
        ("moj_reopen", {"number": 1, "version": submitted.version, "reason": "x"}),
        ("moj_sign_off", _sign_off_post(submitted)),
        ("moj_amend", {"number": 1, "reason": "x"}),
    ):
        assert board_client.post(url(name), post).status_code == 403, name
    assert MojReturn.objects.get().status == "submitted"


def test_finance_cannot_submit_and_officers_cannot_sign_off(draft, finance_client, officer_client):
    assert finance_client.post(url("moj_submit"), {"number": 1, "version": draft.version}).status_code == 403
    assert officer_client.post(url("moj_sign_off"), {"number": 1}).status_code == 403


def test_bad_addresses_are_not_found(data, officer_client):
    assert officer_client.get(url("moj_return", half=3)).status_code == 404
    assert "No funding stream reported to the MoJ" in text(officer_client.get(url("moj_return", fy=1)))
    assert officer_client.post(url("moj_submit"), {"number": 4, "version": 1}).status_code == 404


def test_the_actions_refuse_get(draft, officer_client):
    assert officer_client.get(url("moj_submit")).status_code == 405


# Downloads through the reports engine ------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.parametrize("fmt", ["pdf", "xlsx", "json"])
def test_a_download_is_requested_from_the_reports_engine(
    signed_off, board_client, board_member, media, fmt, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = board_client.post(url("moj_download"), {"number": 1, "format": fmt})
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "reports:report_detail", kwargs={"pk": report.pk}
    )
    assert report.kind == "moj_return" and report.requested_by == board_member
    assert report.parameters == {"fy": 2019, "half": 1, "format": fmt, "version": 1, "period": "H1"}
    report.refresh_from_db()
    assert report.status == "succeeded", report.error
    assert report.file.name.endswith(f"moj-return-2019-20-H1-v1.{fmt}")
    content = report.file.read()
    if fmt == "pdf":
        assert content.startswith(b"%PDF")
    elif fmt == "xlsx":
        assert content.startswith(b"PK")
    else:
        assert json.loads(content)["status"] == "signed_off"
    # The report's page names the file's type on its download button.
    page = text(board_client.get(reverse("reports:report_detail", kwargs={"pk": report.pk})))
    assert f"Download the report ({fmt.upper()})" in page
    assert "2019/20 H1" in text(board_client.get(reverse("reports:report_detail", kwargs={"pk": report.pk})))


def test_the_json_of_a_signed_off_version_is_its_frozen_figures(signed_off, data):
    FundingLine.objects.filter(award=data["a1"], stream=data["core"]).update(amount=Decimal("77777.00"))
    content, filename = build_moj_return(fy=2019, half=1, format="json", version=1)
    assert filename == "moj-return-2019-20-H1-v1.json"
    figures = json.loads(content)
    assert figures["services"][0]["committed"] == "40000.00"
    assert figures["signed_off"]["role"] == "Chief Finance Officer"


def test_a_draft_downloads_its_live_figures_with_its_status(draft):
    figures = json.loads(build_moj_return(fy=2019, half=1, format="json", version=1)[0])
    assert (figures["status"], figures["version"]) == ("draft", 1)


def test_a_missing_version_builds_no_file(data):
    with pytest.raises(ValueError, match="There is no version 1"):
        build_moj_return(fy=2019, half=1, format="pdf", version=1)


def test_the_kind_is_registered_and_its_form_validates_the_parameters(draft):
    assert REPORT_KINDS["moj_return"].parameters_form is MojReturnReportForm
    form = MojReturnReportForm({"fy": "2019", "half": "1", "version": "1", "format": "xlsx"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"fy": 2019, "half": 1, "version": 1, "format": "xlsx", "period": "H1"}
    for bad, field in (
        ({"fy": "1999", "half": "1", "version": "1", "format": "pdf"}, "fy"),
        ({"fy": "2019", "half": "3", "version": "1", "format": "pdf"}, "half"),
        ({"fy": "2019", "half": "1", "version": "1", "format": "docx"}, "format"),
        ({"fy": "2019", "half": "1", "version": "x", "format": "pdf"}, "version"),
        ({"fy": "2019", "half": "1", "version": "2", "format": "pdf"}, "version"),
        ({"fy": "2019", "half": "2", "version": "1", "format": "pdf"}, "version"),
    ):
        form = MojReturnReportForm(bad)
        assert not form.is_valid() and field in form.errors, bad


def test_the_request_page_builds_the_moj_return(draft, officer_client, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(
            reverse("reports:report_request"),
            {"kind": "moj_return", "fy": "2019", "half": "1", "version": "1", "format": "pdf"},
        )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.status == "succeeded", report.error
    assert report.file.name.endswith("moj-return-2019-20-H1-v1.pdf")


# Query counts ----------------------------------------------------------------------------------------


def _grow(data, size: int, *, start: int = 100) -> None:
    """``size`` more MoJ-funded services, each with a payment and two accepted returns."""
    category = code("moj_category", "general_support")
    for number in range(size):
        award = AwardFactory(
            reference=f"AWD-2019-{start + number:04d}", status=AwardStatus.ACTIVE, moj_category=category
        )
        FundingLineFactory(award=award, stream=data["core"], fy=2019, amount=Decimal("100.00"))
        PaymentFactory(
            award=award, stream=data["core"], fy=2019, amount=Decimal("50.00"), paid_date=datetime.date(2019, 5, 1)
        )
        for quarter in (1, 2):
            MonitoringReturnFactory(award=award, fy=2019, quarter=quarter, accepted=True)


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_return_page_keeps_its_queries_flat(draft, data, officer_client):
    _grow(data, 3)
    small = _queries(officer_client, PAGE)
    _grow(data, 30, start=200)
    large = _queries(officer_client, PAGE)
    assert small == large, (small, large)


def test_the_signed_off_page_and_the_index_keep_their_queries_flat(signed_off, data, officer_client):
    small = (_queries(officer_client, PAGE), _queries(officer_client, "/reports/moj/"))
    _grow(data, 30)
    large = (_queries(officer_client, PAGE), _queries(officer_client, "/reports/moj/"))
    assert small == large, (small, large)


# The Panel report's MoJ section ---------------------------------------------------------------------


def test_the_panel_report_shows_the_halfs_latest_version_and_headline_totals(signed_off):
    from reports.panel.report import gather_panel_data, render_panel_html

    data = gather_panel_data(fy=2019, period="Q2")  # Q2 lies in H1
    assert [row["moj_return"] for row in data.moj] == [signed_off]
    html = render_panel_html(data)
    section = html[html.index('id="moj"') : html.index('id="delivery-plan"')]
    assert "version 1, signed off" in section and "Chief Finance Officer" in section
    assert "£130,000" in section and "£44,500" in section and "84" in section
    assert "No MoJ return has been prepared" not in section
    whole_year = render_panel_html(gather_panel_data(fy=2019, period="FY"))
    assert "H1 2019/20 return" in whole_year and "H2 2019/20 return" not in whole_year
    # H2 has no return yet; a Q3 report would not show it anyway: H2 ends after Q3 does.
    assert "No MoJ return has been prepared for this period yet." in render_panel_html(
        gather_panel_data(fy=2019, period="H2")
    )
    q3 = " ".join(render_panel_html(gather_panel_data(fy=2019, period="Q3")).split())
    assert "The H2 2019/20 return runs to 31 March 2020, after this period ends" in q3
    assert "No MoJ return has been prepared" not in q3


def test_the_start_button_pressed_twice_starts_the_return_once_and_says_so(data, officer_client):
    first, second = post_twice(officer_client, url("moj_start"), {}, form_url=PAGE)
    assert MojReturn.objects.count() == 1
    assert_saved_once(
        first, second, "The H1 2019/20 return has been started (version 1, a draft). Check the issues below."
    )
    assert "has already been started" not in text(second)
