"""An officer invites a provider's user on the provider's page; the person follows the link in
the e-mail, chooses a password and lands in the portal, signed in, seeing their organisation."""

from __future__ import annotations

import re

from django.core import mail
from playwright.sync_api import expect

from pcc_commissioning.models import User

from .conftest import BROWSER_TEST, TIMEOUT_MS

pytestmark = BROWSER_TEST

PASSWORD = "granite lantern orchard 42"


def test_an_invited_person_sets_a_password_and_lands_in_the_portal(
    logged_in_page, officer, organisation, browser, live_server
):
    page = logged_in_page(officer)

    # The officer opens the provider's Users tab and sends the invitation.
    page.goto(f"/providers/{organisation.pk}/")
    page.get_by_role("navigation", name="Organisation sections").get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", level=2, name="Users of the provider portal")).to_be_visible()
    page.get_by_role("button", name="Invite a user").click()
    page.get_by_label("First name").fill("Jo")
    page.get_by_label("Last name").fill("Bloggs")
    page.get_by_label("Email address").fill("Jo.Bloggs@example.org")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "An invitation has been sent to Jo Bloggs at jo.bloggs@example.org."
    )
    expect(page.locator(".govuk-summary-card__title", has_text="Jo Bloggs")).to_be_visible()

    # The e-mail the live server sent (same process, Django's in-memory outbox).
    assert [message.to for message in mail.outbox] == [["jo.bloggs@example.org"]]
    link = re.search(r"https?://\S+/invitations/[\w-]+/", mail.outbox[0].body).group(0)
    assert link.startswith(live_server.url)

    # The invited person, in a browser of their own (not signed in), follows the link.
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    invitee = context.new_page()
    try:
        invitee.goto(link)
        expect(invitee.get_by_role("heading", level=1)).to_contain_text("Create your account")
        expect(invitee.get_by_text("jo.bloggs@example.org")).to_be_visible()
        invitee.get_by_label("Create a password").fill(PASSWORD)
        invitee.get_by_label("Type the password again").fill(PASSWORD)
        invitee.get_by_role("button", name="Create account and sign in").click()

        expect(invitee.locator(".govuk-notification-banner--success")).to_contain_text("Welcome, Jo.")
        assert re.search(r"/portal/$", invitee.url), invitee.url
        expect(invitee.locator(".govuk-caption-l")).to_have_text("Harbour Support Services")
        expect(invitee.locator(".app-header__user")).to_contain_text("Jo Bloggs")

        # The link works once.
        invitee.goto(link)
        expect(invitee.get_by_role("heading", level=1)).to_have_text("This invitation has been used")
    finally:
        context.close()

    user = User.objects.get(username="jo.bloggs@example.org")
    assert user.provider_membership.organisation == organisation
