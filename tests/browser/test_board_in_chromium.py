"""An organiser drives the programme board in headless Chromium: filter, bulk-accept, place in
sessions, reorder, number; then the stored codes and order are checked."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from abstracts.models import Abstract
from conference.models import EventRole
from tests.conftest import ARTIFACTS
from tests.factories import submitted_event

VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture
def board_event(transactional_db):
    event = submitted_event(count=12)
    organiser = User.objects.create_user("olga@example.org", "olga@example.org", "organise the meeting 1")
    EventRole.objects.create(event=event, user=organiser, role="organiser")
    return event


def log_in(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_an_organiser_numbers_the_programme_from_the_board(web_server, page_at, board_event, viewport):
    page = page_at(*VIEWPORTS[viewport])
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, web_server, "olga@example.org", "organise the meeting 1")
    page.goto(f"{web_server}/events/{board_event.slug}/")
    page.get_by_role("link", name="Programme board").click()
    expect(page.locator(".board-row")).to_have_count(12)

    # Filter by keyword: the six imaging abstracts; accept them all and put them in Biomedicine.
    page.get_by_label("Keyword").fill("imaging")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".board-row")).to_have_count(6)
    for box in page.locator('.board-row input[type="checkbox"]').all():
        box.check()
    page.get_by_role("button", name="Accept", exact=True).click()
    assert "6 abstracts accepted." in page.locator(".messages").inner_text()
    expect(page.locator(".board-row")).to_have_count(6)  # the filter is kept
    for box in page.locator('.board-row input[type="checkbox"]').all():
        box.check()
    page.locator(".board-actions").first.get_by_label("Session").select_option(label="Biomedicine")
    page.get_by_role("button", name="Put in session").click()

    # Reorder: the last one up to the top, by keyboard.
    titles = page.locator(".board-row .board-title").all_inner_texts()
    last = titles[-1]
    for _ in range(len(titles) - 1):
        button = page.get_by_role("button", name=f"Move {last} up")
        button.focus()
        with page.expect_navigation():  # the board's form is posted and the page comes back
            page.keyboard.press("Enter")
    assert page.locator(".board-row .board-title").all_inner_texts() == [last, *titles[:-1]]

    # And by dragging: the first row's handle dropped on the lower half of the third row.
    order = page.locator(".board-row .board-title").all_inner_texts()
    page.locator(".board-row").first.evaluate("row => row.scrollIntoView({block: 'start'})")
    handle = page.locator(".board-row .board-drag").first.bounding_box()
    target = page.locator(".board-row").filter(has_text=order[2])
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    for _ in range(6):  # rows shift while dragging, so aim again at where the target is now
        box = target.bounding_box()
        page.mouse.move(handle["x"] + 4, box["y"] + box["height"] * 0.8, steps=5)
    with page.expect_navigation():
        page.mouse.up()
    expected_titles = [order[1], order[2], order[0], *order[3:]]
    assert page.locator(".board-row .board-title").all_inner_texts() == expected_titles

    page.get_by_label("Number accepted abstracts").select_option(label="by session, in programme order")
    page.get_by_role("button", name="Number them").click()
    page.screenshot(path=str(ARTIFACTS / f"board-{viewport}.png"), full_page=True)

    stored = list(
        Abstract.objects.filter(event=board_event, status="accepted")
        .order_by("order")
        .values_list("title", "code", "session__title")
    )
    assert [title for title, _, _ in stored] == expected_titles
    assert [code for _, code, _ in stored] == [f"PS{n}" for n in range(1, 7)]
    assert {session for _, _, session in stored} == {"Biomedicine"}
    # Natural order on the page too: PS1 … PS6 as numbered.
    codes = [field.input_value() for field in page.locator(".board-code input").all()]
    assert codes == [f"PS{n}" for n in range(1, 7)]
    assert Abstract.objects.filter(event=board_event, status="submitted").count() == 6

    # A code by hand: only that row's field is sent, and it is stored.
    page.get_by_role("textbox", name=f"Code of {expected_titles[2]}").fill("PS99")
    page.get_by_role("button", name=f"Save the code of {expected_titles[2]}").click()
    assert "set to PS99" in page.locator(".messages").inner_text()
    assert Abstract.objects.get(event=board_event, title=expected_titles[2]).code == "PS99"
    assert errors == []
