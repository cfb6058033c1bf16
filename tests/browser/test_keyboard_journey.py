"""A keyboard-only journey: sign in, filter the awards, open one, submit its edit form with an
error and fix it — with Tab, Shift+Tab, Enter, Space and typing only, never the mouse. At every
stop the focused element must show a visible focus indicator, and after the failed submission
focus must land on the error summary.
"""

from __future__ import annotations

from decimal import Decimal

from playwright.sync_api import expect

from grants.models import Award, AwardStatus
from tests.factories import AwardFactory, FundingLineFactory
from tests.factories.monitoring import MonitoringReturnFactory
from tests.factories.users import TEST_PASSWORD

from .conftest import BROWSER_TEST

pytestmark = BROWSER_TEST

MAX_TABS = 120

# What the focused element looks like: GOV.UK Frontend draws focus as a yellow background,
# a thick outline or a box-shadow; "none" of all three means focus cannot be seen.
FOCUS_STYLE = """() => {
    const element = document.activeElement;
    if (!element || element === document.body) return null;
    const style = getComputedStyle(element);
    return {
        tag: element.tagName.toLowerCase(),
        text: (element.innerText || element.value || element.id || '').trim().slice(0, 60),
        id: element.id,
        focusVisible: element.matches(':focus-visible'),
        outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
            && style.outlineColor !== 'rgba(0, 0, 0, 0)' && style.outlineColor !== 'transparent',
        shadow: style.boxShadow !== 'none',
        yellow: style.backgroundColor === 'rgb(255, 221, 0)',
    };
}"""


def _focus(page) -> dict:
    return page.evaluate(FOCUS_STYLE) or {}


def _assert_focus_visible(page) -> dict:
    focus = _focus(page)
    assert focus, "nothing has focus"
    assert focus["outline"] or focus["shadow"] or focus["yellow"], f"focus is not visible on {focus}"
    return focus


def _tab_to(page, matches, *, backwards: bool = False) -> dict:
    """Press Tab (or Shift+Tab) until ``matches(focus)``; every stop must show its focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focus = _focus(page)
        if focus:
            _assert_focus_visible(page)
            if matches(focus):
                return focus
    raise AssertionError("could not reach the element with the keyboard")


def _by_id(element_id: str):
    return lambda focus: focus["id"] == element_id


def _by_text(text: str):
    return lambda focus: focus["text"] == text


def test_keyboard_only_journey(page, live_server, officer):
    award = AwardFactory(title="Independent domestic violence advocacy", status=AwardStatus.PLANNED)
    FundingLineFactory(award=award, fy=2019, amount=Decimal("30000.00"))
    AwardFactory(title="Restorative justice service")
    handed_in = MonitoringReturnFactory(award__title="Victim navigators", submitted=True)

    # Sign in.
    page.goto("/accounts/login/")
    _tab_to(page, _by_id("id_username"))
    page.keyboard.type(officer.username)
    _tab_to(page, _by_id("id_password"))
    page.keyboard.type(TEST_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/accounts/login/" not in page.url

    # Go to the awards and filter them.
    with page.expect_navigation():
        _tab_to(page, _by_text("Grants and contracts"))
        page.keyboard.press("Enter")
    _tab_to(page, _by_id("id_q"))
    page.keyboard.type("advocacy")
    _tab_to(page, _by_text("Apply filters"))
    with page.expect_navigation():
        page.keyboard.press("Space")
    expect(page.locator("#result-count")).to_contain_text("1 award")

    # Open the award, then its edit form.
    _tab_to(page, _by_text(award.reference))  # the reference links to the award
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(award.title)
    _tab_to(page, _by_text("Edit the award and its funding lines"))
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # Empty the title and save: the error summary takes focus.
    _tab_to(page, _by_id("id_title"))
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    _tab_to(page, _by_text("Save changes"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    _assert_focus_visible(page)

    # Follow the summary's link to the field, fix it and save.
    link = _tab_to(page, lambda focus: focus["tag"] == "a" and "title" in focus["text"].lower())
    assert link
    page.keyboard.press("Enter")
    expect(page.locator("#id_title")).to_be_focused()
    _assert_focus_visible(page)
    page.keyboard.type("Independent domestic violence advisers")
    _tab_to(page, _by_text("Save changes"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Independent domestic violence advisers")
    assert Award.objects.get(pk=award.pk).title == "Independent domestic violence advisers"

    # Adding an award, a step at a time: Continue with nothing entered is refused on the step,
    # the error summary takes focus and its link leads to the box; the back link is reachable.
    page.goto("/grants/awards/new/")
    _tab_to(page, _by_text("Back"))
    _assert_focus_visible(page)
    _tab_to(page, _by_text("Continue"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    link = _tab_to(page, lambda focus: focus["tag"] == "a" and "title" in focus["text"].lower())
    assert link
    page.keyboard.press("Enter")
    expect(page.locator("#id_title")).to_be_focused()
    page.keyboard.type("Refuge places")
    _tab_to(page, _by_text("Continue"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "About the award"
    )  # provider, kind, priority still to choose
    assert not Award.objects.filter(title="Refuge places").exists()

    # My work, from the navigation: the return waiting for review opens its review page.
    page.goto("/")
    with page.expect_navigation():
        _tab_to(page, _by_text("My work"))
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")
    with page.expect_navigation():
        _tab_to(page, lambda focus: focus["tag"] == "a" and focus["text"].startswith("Review:"))
        page.keyboard.press("Enter")
    assert f"/returns/{handed_in.pk}/" in page.url
