"""The public pages in real headless Chromium, at desktop and phone widths."""

import pytest
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS
from tests.factories import import_demo_event

VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture
def demo_event_live(transactional_db):
    return import_demo_event()


def open_and_watch(page, url: str) -> list[str]:
    """Load ``url`` and return every request that failed or answered with an error."""
    problems: list[str] = []
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    page.on(
        "response",
        lambda response: (
            problems.append(f"{response.status}: {response.url}") if response.status >= 400 else None
        ),
    )
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return problems


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_event_page_lists_the_demo_posters_in_natural_order(web_server, page_at, demo_event_live, viewport):
    page = page_at(*VIEWPORTS[viewport])

    problems = open_and_watch(page, f"{web_server}/events/{demo_event_live.slug}/")
    page.screenshot(path=str(ARTIFACTS / f"event-{viewport}.png"), full_page=False)

    assert problems == []
    assert page.locator("h1").inner_text() == "Helmholtz AI kick-off meeting"
    codes = page.locator(".programme-item .code").all_inner_texts()
    assert codes == [f"PS-{n:02d}" for n in range(1, 47)]
    # The stylesheet is served by the app and applied (no CDN, nothing unstyled).
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor") == (
        "rgb(29, 35, 48)"
    )
    # Nothing spills sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_an_abstract_opens_from_the_event_page_as_the_book_prints_it(
    web_server, page_at, demo_event_live, viewport
):
    page = page_at(*VIEWPORTS[viewport])
    open_and_watch(page, f"{web_server}/events/{demo_event_live.slug}/")

    page.get_by_role("link", name="Not one model fits all").click()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(ARTIFACTS / f"abstract-{viewport}.png"), full_page=True)

    assert page.locator(".abstract-code").inner_text() == "PS-07"
    authors = page.locator(".abstract-authors .author").all_inner_texts()
    assert authors == ["Jingwei Li1,2", "Danilo Bzdok3", "Avram Holmes4", "Thomas Yeo2", "Sarah Genon1"]
    # Superscripts are raised above the baseline, not just smaller text.
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.abstract-authors sup')).verticalAlign")
        == "super"
    )
    affiliations = page.locator(".abstract-affiliations li").all_inner_texts()
    assert (
        affiliations[1]
        == "2 National University of Singapore, ECE, CSC, CIRC, N.1 & MNP, Singapore, Singapore"
    )
    assert (
        page.locator(".abstract-keywords").inner_text()
        == "Keywords: Brain, MRI, Behavior, Prediction, Fairness"
    )
    expect(page.locator(".abstract-text p")).to_have_count(6)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
