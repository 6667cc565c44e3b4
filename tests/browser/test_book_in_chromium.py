"""The book of abstracts in real headless Chromium: the HTML edition, the PDF link on the event page
and the organisers' build page."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from books.models import BookBuild
from books.services import build_book_now
from conference.models import EventRole
from tests.browser.test_public_pages_in_chromium import open_and_watch
from tests.conftest import ARTIFACTS
from tests.factories import import_demo_event

DESKTOP = (1280, 900)
PHONE = (390, 844)


@pytest.fixture
def demo_book_live(transactional_db):
    event = import_demo_event()
    from indexes.services import index_rebuild

    index_rebuild(event_id=event.pk, force=True)
    build_book_now(event, processes=1)
    return event


@pytest.mark.browser
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_html_edition_has_contents_abstracts_and_indexes_with_working_links(
    web_server, page_at, demo_book_live, viewport
):
    page = page_at(*(DESKTOP if viewport == "desktop" else PHONE))
    problems = open_and_watch(page, f"{web_server}/events/{demo_book_live.slug}/book/")
    page.screenshot(path=str(ARTIFACTS / f"book-edition-{viewport}.png"), full_page=False)

    assert problems == []
    assert page.locator(".cover-event").inner_text() == "Helmholtz AI kick-off meeting"
    assert page.locator(".contents-entry").count() == 46 + 2
    expect(page.locator(".book .abstract")).to_have_count(46)
    expect(page.locator("#author-index .book-index-entry")).to_have_count(158)
    expect(page.locator("#keyword-index .book-index-entry")).to_have_count(199)
    # The same partial as the PDF: superscripts of PS-07 as printed.
    ps07 = page.locator(".abstract", has=page.locator(".abstract-code", has_text="PS-07"))
    assert ps07.locator(".abstract-authors sup").all_inner_texts() == ["1,2", "3", "4", "2", "1"]
    # A contents line reads "code title"; a title that wraps lines up with its first line.
    ps02 = page.locator(".contents-entry a", has_text="PS-02")
    expect(ps02).to_have_accessible_name(re.compile(r"^PS-02 A Connectivity-based"))
    lines_left = page.locator(".contents-title").evaluate_all(
        "titles => titles.map(title => [...title.getClientRects()].map(line => Math.round(line.left)))"
    )
    assert all(len(set(lefts)) == 1 for lefts in lines_left), lines_left
    if viewport == "phone":
        assert sum(len(lefts) > 1 for lefts in lines_left) > 20, "most titles wrap on a phone"
    # A contents line and an index reference lead to the abstract.
    page.locator(".contents-entry a", has_text="PS-07").click()
    assert page.url.endswith(f"#abstract-{ps07.get_attribute('id').split('-')[1]}")
    expect(ps07.locator(".abstract-title")).to_be_visible()
    page.locator("#author-index .book-index-entry", has_text="Bačák Miroslav").locator("a").first.click()
    assert page.locator(".abstract:target .abstract-code").inner_text() == "PS-42"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    pdf_link = page.locator("a", has_text="Download the PDF")
    response = page.request.get(web_server + pdf_link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body()[:5] == b"%PDF-"


@pytest.mark.browser
def test_the_event_page_links_the_latest_pdf(web_server, page_at, demo_book_live):
    page = page_at(*DESKTOP)
    problems = open_and_watch(page, f"{web_server}/events/{demo_book_live.slug}/")
    assert problems == []
    link = page.locator("a.book-download")
    assert "PDF" in link.inner_text() and "pages" in link.inner_text()
    response = page.request.get(web_server + link.get_attribute("href"))
    assert response.status == 200 and response.body()[:5] == b"%PDF-"


@pytest.mark.browser
def test_organisers_see_build_history_and_can_ask_for_a_build(web_server, page_at, demo_book_live):
    organiser = get_user_model().objects.create_user(
        "organiser", password="a long enough password", is_staff=True
    )
    EventRole.objects.create(event=demo_book_live, user=organiser, role="organiser")
    page = page_at(*DESKTOP)
    page.goto(f"{web_server}/admin/login/?next=/events/{demo_book_live.slug}/book/builds/")
    page.fill("#id_username", "organiser")
    page.fill("#id_password", "a long enough password")
    page.click("input[type=submit]")
    page.wait_for_url(f"**/events/{demo_book_live.slug}/book/builds/")
    page.screenshot(path=str(ARTIFACTS / "book-builds-desktop.png"), full_page=True)

    rows = page.locator("table.builds tbody tr")
    assert rows.count() == 1
    assert "Succeeded" in rows.first.inner_text()
    assert rows.first.locator("a", has_text="PDF").count() == 1

    page.click("text=Build the book now")
    page.wait_for_url(f"**/events/{demo_book_live.slug}/book/builds/")
    assert "A new build of the book is queued" in page.locator(".messages").inner_text()
    assert "queued" in page.locator("#active-build").inner_text().lower()
    assert BookBuild.objects.filter(
        event=demo_book_live, status=BookBuild.Status.QUEUED, forced=True
    ).exists()
    page.screenshot(path=str(ARTIFACTS / "book-builds-queued.png"), full_page=False)


@pytest.mark.browser
def test_the_build_page_is_for_organisers_only(web_server, page_at, demo_book_live):
    page = page_at(*DESKTOP)
    page.goto(f"{web_server}/events/{demo_book_live.slug}/book/builds/")
    assert "/accounts/login/" in page.url
