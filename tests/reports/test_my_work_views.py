"""The "My work" page (reports/my_work/views.py): who may open it, what each role sees and where
each item links; board members can act on none of it; the top of the dashboard."""

from __future__ import annotations

import datetime
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grants.models import AwardStatus, MonitoringReturn, Payment, ReturnStatus
from pcc_commissioning.roles import Role
from providers.models import InvitationStatus, ProviderInvitation
from reports.models import MojReturn
from reports.my_work.views import ACTION_WORDS
from tests.factories import AwardFactory, MonitoringReturnFactory, UserFactory
from tests.reports.my_work_dataset import NOW, people, work  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

URL = "/my-work/"


def _text(response) -> str:
    return re.sub(r"\s+", " ", unescape(response.content.decode()))


def _links(response) -> list[tuple[str, str]]:
    """(href, words) of each item's link."""
    html = response.content.decode()
    found = re.findall(
        r'<li class="app-work-list__item[^"]*">\s*<a class="govuk-link[^"]*" href="([^"]+)">(.*?)</a>', html, re.S
    )
    return [(unescape(href), re.sub(r"\s+", " ", unescape(words)).strip()) for href, words in found]


def _get(client, **query):
    response = client.get(URL, query)
    assert response.status_code == 200
    return response


def test_the_url_is_my_work():
    assert reverse("my_work:index") == URL


# Who may open it -----------------------------------------------------------------------------------------
def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_provider_user_is_refused(provider_client):
    assert provider_client.get(URL).status_code == 403


def test_it_is_in_the_navigation_of_officers_finance_and_board_not_providers(
    officer_client, finance_client, board_client, provider_client
):
    link = f'href="{URL}"'
    for client in (officer_client, finance_client, board_client):
        assert link in client.get(reverse("reports:dashboard")).content.decode()
    assert link not in provider_client.get(reverse("portal:home")).content.decode()


# Officer ---------------------------------------------------------------------------------------------------
def _item_urls(work):
    a, c = work["a"], work["c"]
    review = {ret.award_id: ret.pk for ret in MonitoringReturn.objects.filter(status=ReturnStatus.SUBMITTED)}
    return {
        "review_a": reverse("grants:return_review", args=[review[a.pk]]),
        "review_c": reverse("grants:return_review", args=[review[c.pk]]),
        "late_a": reverse("grants:award_performance", args=[a.pk]),
        "documents_a": reverse("providers:documents", args=[a.provider_id]),
        "ending_a": reverse("grants:award_detail", args=[a.pk]),
        "moj": reverse("reports:moj_return", args=[2019, 2]),
    }


def test_an_officer_sees_their_work_with_counts_and_links_to_where_it_is_done(work, people, login_as):
    response = _get(login_as(people["me"]))
    text = _text(response)
    assert '<h1 class="govuk-heading-xl">My work</h1>' in text
    urls = _item_urls(work)
    delta = ProviderInvitation.objects.get(email="sent@example.org").organisation_id
    assert _links(response) == [
        (urls["review_a"], "Review: A-1 Mine: Q3 2019/20 return"),
        (urls["review_c"], "Review: C-1 Nobody's: Q3 2019/20 return"),
        (urls["late_a"], "Chase: A-1 Mine: Q4 2019/20 return"),
        (urls["documents_a"], "Ask for a new one: Alpha: insurance certificate"),
        (urls["ending_a"], "Decide what next: A-1 Mine"),
        (reverse("providers:users", args=[delta]), "Resend or withdraw: Ann Sent, Delta"),
        (reverse("providers:users", args=[work["a"].provider_id]), "Resend or withdraw: Ann Alpha, Alpha"),
        (urls["moj"], "Prepare: MoJ return H2 2019/20"),
    ]
    assert "Returns to review (2)" in text and "Nobody named" in text


def test_the_total_counts_every_item(work, people, login_as):
    # Returns to review 2, overdue 1, documents 1, ending 1, invitations 2, MoJ 1: 8.
    assert "8 things waiting" in _text(_get(login_as(people["me"])))


def test_everyone_shows_the_whole_teams_work(work, people, login_as):
    text = _text(_get(login_as(people["me"]), who="everyone"))
    assert "Everyone's work" in text
    assert "Returns to review (3)" in text and "Returns overdue (2)" in text and "Invitations not accepted (3)" in text
    assert "B-1 Colleague&#x27;s" in text or "B-1 Colleague's" in text


def test_an_officer_with_nothing_waiting_is_told_so(people, login_as, time_machine):
    time_machine.move_to(NOW, tick=False)
    text = _text(_get(login_as(people["me"])))
    assert "Nothing is waiting on you" in text
    assert "app-work-list__item" not in text


def test_one_section_in_full_is_paged(people, login_as, time_machine):
    time_machine.move_to(NOW, tick=False)
    for _ in range(27):
        award = AwardFactory(status=AwardStatus.ACTIVE, end_date=datetime.date(2021, 3, 31))
        MonitoringReturnFactory(award=award, fy=2019, quarter=4)  # late
    client = login_as(people["me"])
    summary = _get(client)
    assert len([href for href, _ in _links(summary) if "/performance/" in href]) == 5
    assert f'href="{URL}?show=late"' in summary.content.decode()
    first = _get(client, show="late")
    assert "Returns overdue (27)" in _text(first)
    assert len(_links(first)) == 25
    assert len(_links(_get(client, show="late", page=2))) == 2


def test_a_section_the_person_does_not_see_is_not_found(work, people, login_as):
    assert login_as(people["me"]).get(URL, {"show": "payments"}).status_code == 404
    assert login_as(people["me"]).get(URL, {"show": "nonsense"}).status_code == 404


# Finance ---------------------------------------------------------------------------------------------------
def test_finance_approves_the_payments_of_their_awards(work, people, login_as):
    response = _get(login_as(people["finance"]))
    due = {payment.award_id: payment.pk for payment in Payment.objects.filter(approved_at__isnull=True)}
    a, c = work["a"], work["c"]
    assert _links(response) == [
        (reverse("grants:payment_approve", args=[c.pk, due[c.pk]]), "Approve: C-1 Nobody's: £1,000.00"),
        (
            reverse(
                "grants:payment_approve",
                args=[a.pk, Payment.objects.get(award=a, due_date=datetime.date(2020, 6, 1)).pk],
            ),
            "Approve: A-1 Mine: £1,000.00",
        ),
        (reverse("reports:moj_return", args=[2019, 1]), "Sign off: MoJ return H1 2019/20"),
    ]


# Board ------------------------------------------------------------------------------------------------------
def test_a_board_member_sees_the_teams_work_for_information_only(work, people, login_as):
    response = _get(login_as(people["board"]))
    text = _text(response)
    assert "The team's work" in text and "for information" in text
    assert 'aria-label="Whose work"' not in text  # no choice of their own or everyone's: nothing is theirs
    links = _links(response)
    assert len(links) == 3 + 3 + 2 + 2 + 1 + 3 + 1 + 1  # every section, the first five of each at most
    actions = tuple(f"{words}:" for words in ACTION_WORDS.values())
    assert not any(words.startswith(actions) for _, words in links)  # no "Review:", "Approve:"…
    assert not any("/approve/" in href for href, _ in links)
    payments = [href for href, words in links if "£" in words]
    assert payments and all(href.endswith("#payments") and "/grants/awards/" in href for href in payments)


def test_a_board_member_can_act_on_none_of_it(work, people, login_as):
    client = login_as(people["board"])
    links = [href for href, _ in _links(_get(client))]
    for href in links:
        page = client.get(href)
        assert page.status_code == 200, href
        # No buttons to act: the only form that posts is signing out.
        actions = re.findall(r'<form[^>]*method="post"[^>]*action="([^"]+)"', page.content.decode())
        assert set(actions) == {reverse("logout")}, href
        assert client.post(href.split("#")[0], {"action": "accept", "rag": "green"}).status_code in (403, 405), href
    # And the pages where the work is done refuse them too.
    payment = Payment.objects.filter(approved_at__isnull=True).first()
    invitation = ProviderInvitation.objects.filter(status=InvitationStatus.PENDING).first()
    refused = [
        reverse("grants:payment_approve", args=[payment.award_id, payment.pk]),
        reverse("reports:moj_submit", args=[2019, 2]),
        reverse("reports:moj_sign_off", args=[2019, 1]),
        reverse("providers:invitation_resend", args=[invitation.organisation_id, invitation.pk]),
        reverse("providers:invitation_withdraw", args=[invitation.organisation_id, invitation.pk]),
        reverse("grants:award_edit", args=[work["a"].pk]),
    ]
    for url in refused:
        assert client.post(url, {}).status_code == 403, url
    assert Payment.objects.filter(approved_at__isnull=True).count() == 4
    assert MonitoringReturn.objects.filter(status=ReturnStatus.SUBMITTED).count() == 3
    assert list(MojReturn.objects.order_by("half").values_list("status", flat=True)) == ["submitted", "draft"]
    assert ProviderInvitation.objects.filter(status=InvitationStatus.PENDING).count() == 3


# Queries ------------------------------------------------------------------------------------------------------
def test_the_page_takes_the_same_queries_however_much_work(people, login_as, time_machine):
    time_machine.move_to(NOW, tick=False)

    def add(n):
        for _ in range(n):
            award = AwardFactory(status=AwardStatus.ACTIVE, end_date=datetime.date(2020, 6, 30))
            MonitoringReturnFactory(award=award, fy=2019, quarter=3, submitted=True)
            MonitoringReturnFactory(award=award, fy=2019, quarter=4)

    client = login_as(people["board"])
    add(2)
    with CaptureQueriesContext(connection) as small:
        _get(client)
    add(18)
    with CaptureQueriesContext(connection) as large:
        _get(client)
    assert len(large.captured_queries) == len(small.captured_queries)


# The top of the dashboard ---------------------------------------------------------------------------------------
def test_the_dashboard_shows_the_counts_linking_to_my_work(work, people, login_as):
    text = _text(login_as(people["me"]).get(reverse("reports:dashboard")))
    assert "Waiting on you" in text
    waiting = text.split('id="my-work"')[1].split("</ul>")[0]
    assert re.findall(r'href="([^"]+)">([^<]+)</a>: <strong>(\d+)</strong>', waiting) == [
        (f"{URL}#review", "Returns to review", "2"),
        (f"{URL}#late", "Returns overdue", "1"),
        (f"{URL}#documents", "Documents expiring or expired", "1"),
        (f"{URL}#ending", "Awards ending", "1"),
        (f"{URL}#invitations", "Invitations not accepted", "2"),
        (f"{URL}#moj_prepare", "MoJ returns to prepare", "1"),
    ]


def test_the_dashboard_says_when_nothing_is_waiting(people, login_as, time_machine):
    time_machine.move_to(NOW, tick=False)
    assert "Nothing is waiting on you." in _text(login_as(people["me"]).get(reverse("reports:dashboard")))
    board = UserFactory(username="board2", role=Role.BOARD)
    assert "Nothing is waiting on the team." in _text(login_as(board).get(reverse("reports:dashboard")))
