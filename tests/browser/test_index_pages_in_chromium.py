"""The author and keyword indexes of the demo book in real headless Chromium."""

import re

import pytest
from playwright.sync_api import expect

from indexes.services import index_rebuild
from tests.browser.test_public_pages_in_chromium import open_and_watch
from tests.conftest import ARTIFACTS
from tests.factories import import_demo_event

DESKTOP = (1280, 900)
PHONE = (390, 844)
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}

# Left edge of every letter section, rounded to whole pixels.
SECTION_LEFTS = (
    "[...new Set([...document.querySelectorAll('.index-letter')]"
    ".map(section => Math.round(section.getBoundingClientRect().left)))].sort((a, b) => a - b)"
)


@pytest.fixture
def demo_indexed_live(transactional_db):
    event = import_demo_event()
    build = index_rebuild(event_id=event.pk, force=True)
    assert (build.authors, build.keywords) == (158, 199)
    return event


@pytest.mark.browser
def test_author_index_is_set_in_two_columns_on_a_desktop(web_server, page_at, demo_indexed_live):
    page = page_at(*DESKTOP)

    problems = open_and_watch(page, f"{web_server}/events/{demo_indexed_live.slug}/authors/")
    page.screenshot(path=str(ARTIFACTS / "author-index-desktop.png"), full_page=False)

    assert problems == []
    assert page.locator("h1").inner_text() == "Author index"
    letters = list("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert page.locator(".index-letter-heading").all_inner_texts() == letters
    assert page.locator(".letter-nav a").all_inner_texts() == letters
    expect(page.locator(".index-entry")).to_have_count(158)
    assert page.evaluate("getComputedStyle(document.querySelector('.printed-index')).columnCount") == "2"
    lefts = page.evaluate(SECTION_LEFTS)
    assert len(lefts) == 2, lefts
    assert lefts[1] - lefts[0] > 300
    # The anonymous public sees no build state.
    expect(page.locator(".index-state")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.browser
def test_author_index_is_one_column_without_sideways_scrolling_on_a_phone(
    web_server, page_at, demo_indexed_live
):
    page = page_at(*PHONE)

    problems = open_and_watch(page, f"{web_server}/events/{demo_indexed_live.slug}/authors/")
    page.screenshot(path=str(ARTIFACTS / "author-index-phone.png"), full_page=False)

    assert problems == []
    assert len(page.evaluate(SECTION_LEFTS)) == 1
    first, last = page.locator(".index-entry").first, page.locator(".index-entry").last
    assert first.inner_text() == "Amunts Katrin PS-04, PS-18, PS-32"
    assert last.inner_text() == "zu Castell Wolfgang PS-31, PS-38"
    assert first.bounding_box()["x"] == last.bounding_box()["x"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.browser
def test_keyword_index_lists_the_demo_keywords_on_a_desktop(web_server, page_at, demo_indexed_live):
    page = page_at(*DESKTOP)

    problems = open_and_watch(page, f"{web_server}/events/{demo_indexed_live.slug}/keywords/")
    page.screenshot(path=str(ARTIFACTS / "keyword-index-desktop.png"), full_page=False)

    assert problems == []
    assert page.locator("h1").inner_text() == "Keyword index"
    expect(page.locator(".index-entry")).to_have_count(199)
    assert page.locator(".index-letter-heading").all_inner_texts() == list("ABCDEFGHIJKLMNOPRSTUVWY")
    deep_learning = page.locator(
        ".index-entry", has=page.locator(".index-label", has_text=re.compile("^Deep Learning$"))
    )
    expect(deep_learning.locator(".index-refs a")).to_have_count(12)
    assert len(page.evaluate(SECTION_LEFTS)) == 2
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_code_in_the_author_index_opens_that_abstract(web_server, page_at, demo_indexed_live, viewport):
    page = page_at(*VIEWPORTS[viewport])
    ps21 = demo_indexed_live.abstracts.get(code="PS-21")
    problems = open_and_watch(page, f"{web_server}/events/{demo_indexed_live.slug}/authors/")

    entry = page.locator(".index-entry", has_text="Hrabě de Angelis Martin")
    assert entry.locator(".index-label").inner_text() == "Hrabě de Angelis Martin"
    entry.get_by_role("link", name="PS-21").click()
    page.wait_for_load_state("networkidle")

    assert page.url == f"{web_server}/events/{demo_indexed_live.slug}/abstracts/{ps21.pk}/"
    assert page.locator(".abstract-code").inner_text() == "PS-21"
    assert "Martin Hrabě de Angelis" in page.locator(".abstract-authors").inner_text()
    assert problems == []
