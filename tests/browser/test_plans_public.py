"""The public page of a published delivery plan in a browser: no sign-in, no page that scrolls
sideways at 320, 390 and 768 CSS px (WCAG 2.2, 1.4.10), nothing axe finds wrong, and nothing the
Content-Security-Policy blocks (the charts are data: images)."""

from __future__ import annotations

from tests.delivery.published_plan import build_plan

from .conftest import BROWSER_TEST
from .test_accessibility import AXE_SOURCE, _axe
from .test_reflow import OVERFLOW

pytestmark = BROWSER_TEST


def test_the_public_plan_reflows_and_passes_axe(page):
    build_plan()
    problems: list[str] = []
    page.on(
        "console", lambda message: problems.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.context.add_init_script(script=AXE_SOURCE)
    for url in ("/plans/", "/plans/FDP-2013/", "/plans/FDP-2013/?period=2013-H1"):
        for width in (320, 390, 768):
            page.set_viewport_size({"width": width, "height": 800})
            page.goto(url)
            assert page.evaluate(OVERFLOW) <= 0, f"{url} scrolls sideways at {width} px"
            if width == 390:
                assert _axe(page) == [], url
    assert page.get_by_role("heading", name="Force Delivery Plan 2013/14").is_visible()
    # Both charts drew (an image the policy blocked would have no width).
    page.goto("/plans/FDP-2013/")
    widths = page.locator("img.app-chart__image").evaluate_all("images => images.map(i => i.naturalWidth)")
    assert len(widths) == 2 and all(width > 0 for width in widths)
    assert problems == []
