"""A scientist signs up and submits an abstract in real headless Chromium, at desktop and phone widths.

Five authors and three affiliations, a reorder by keyboard and by drag, a validation error and
its correction, the preview, submit, and a later edit; then the stored data and the printed
superscripts are checked. Screenshots of the form, the error and the preview go to test-artifacts/.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from abstracts.models import Abstract
from tests.conftest import ARTIFACTS
from tests.factories import make_event, make_session

VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}
AFFILIATIONS = ["Forschungszentrum Jülich", "Helmholtz Munich", "Université de Lyon"]
# first name, last name, ticked affiliation rows
AUTHORS = [
    ("Anna", "Müller", [0]),
    ("Jörg", "Götz", [1]),
    ("Tomáš", "Dvořák", [0, 2]),
    ("María", "García", [2]),
    ("Li", "Wei", [1]),
]


@pytest.fixture
def open_event(transactional_db):
    now = timezone.now()
    event = make_event(
        name="Plant Science Days 2027",
        is_published=True,
        call_opens_at=now - timedelta(days=3),
        call_deadline=now + timedelta(days=7),
        word_limit=60,
    )
    make_session(event, "Biomedicine", 1)
    make_session(event, "Earth and environment", 2)
    return event


def watch(page) -> list[str]:
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    page.on("response", lambda r: problems.append(f"{r.status}: {r.url}") if r.status >= 500 else None)
    return problems


def author_rows(page):
    return page.locator(".author-row:visible")


def last_names_in_order(page) -> list[str]:
    return [row.locator('input[name$="-last_name"]').input_value() for row in author_rows(page).all()]


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_new_scientist_submits_and_later_edits_an_abstract(web_server, page_at, open_event, viewport):
    page = page_at(*VIEWPORTS[viewport])
    problems = watch(page)
    email = f"anna.{viewport}@example.org"

    # The event page offers the call; submitting asks for an account first.
    page.goto(f"{web_server}/events/{open_event.slug}/")
    page.get_by_role("link", name="Submit an abstract").click()
    assert "/accounts/login/" in page.url
    page.locator("#main").get_by_role("link", name="Sign up").click()
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Given names").fill("Anna")
    page.get_by_label("Family name").fill("Müller")
    page.locator("#id_password1").fill("pollen tube growth 2027")
    page.locator("#id_password2").fill("pollen tube growth 2027")
    page.get_by_role("button", name="Create the account").click()
    page.wait_for_url(f"**/events/{open_event.slug}/submit/")

    # Title and text, with markup.
    page.get_by_label("Title", exact=True).fill("Imaging CO<sub>2</sub> uptake in <i>Arabidopsis</i>")
    page.get_by_label("Text", exact=True).fill(
        "Stomata open at dawn.\n\nWe counted 10<sup>6</sup> cells in the leaf."
    )
    expect_text(page, "#word-count", "11 of 60 words.")

    # Three affiliations, typed once each.
    rows = page.locator(".affiliation-row:visible")
    for index, name in enumerate(AFFILIATIONS):
        if rows.count() <= index:
            page.get_by_role("button", name="Add an affiliation").click()
        rows.nth(index).locator("input[type=text]").fill(name)

    # Five authors; the last one, Li Wei, gets no affiliation yet (the error to correct).
    for index, (first, last, ticked) in enumerate(AUTHORS):
        if author_rows(page).count() <= index:
            page.get_by_role("button", name="Add an author").click()
        row = author_rows(page).nth(index)
        row.locator('input[name$="-first_name"]').fill(first)
        row.locator('input[name$="-last_name"]').fill(last)
        if last != "Wei":
            for tick in ticked:
                row.locator(f'.affiliation-ticks input[value="{tick}"]').check()
    author_rows(page).nth(1).get_by_label("Presenting author").check()
    expect_text(page, "#author-line", "Anna Müller1, Jörg Götz2, Tomáš Dvořák1,3, María García3, Li Wei")

    # Reorder: Dvořák up by keyboard, then Müller dragged below Götz.
    up = author_rows(page).nth(2).get_by_role("button", name="Move this author up")
    up.focus()
    page.keyboard.press("Enter")
    assert last_names_in_order(page) == ["Müller", "Dvořák", "Götz", "García", "Wei"]
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Move this author up"
    expect_text(page, "#reorder-status", "Tomáš Dvořák moved to position 2 of 5.")
    drag_below(page, author_rows(page).nth(0), author_rows(page).nth(1))
    assert last_names_in_order(page) == ["Dvořák", "Müller", "Götz", "García", "Wei"]
    # The numbers follow the new order: Dvořák's Jülich and Lyon are 1 and 2 now.
    expect_text(page, "#author-line", "Tomáš Dvořák1,2, Anna Müller1, Jörg Götz3, María García2, Li Wei")
    assert page.locator(".affiliation-row:visible .affiliation-number").all_inner_texts() == ["1", "3", "2"]

    keyword_rows = page.locator(".keyword-row:visible input[type=text]")
    for index, keyword in enumerate(["stomata", "CO2 uptake", "live imaging"]):
        if keyword_rows.count() <= index:
            page.get_by_role("button", name="Add a keyword").click()
        keyword_rows.nth(index).fill(keyword)
    page.get_by_label("Preferred session").select_option(label="Biomedicine")
    page.screenshot(path=str(ARTIFACTS / f"submission-form-{viewport}.png"), full_page=True)

    # Submitting with Li Wei lacking an affiliation: the error is next to the author, the
    # summary has focus, and everything typed is still there. (Submitted from the keyboard.)
    page.get_by_role("button", name="Submit abstract").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    summary = page.locator("#submission-errors")
    assert "Author 5 (Li Wei) has no affiliation" in summary.inner_text()
    assert page.evaluate("document.activeElement.id") == "submission-errors"
    assert summary.get_attribute("role") == "alert"
    wei = author_rows(page).nth(4)
    assert "has no affiliation" in wei.locator(".field-error").inner_text()
    assert last_names_in_order(page) == ["Dvořák", "Müller", "Götz", "García", "Wei"]
    assert (
        page.get_by_label("Title", exact=True).input_value()
        == "Imaging CO<sub>2</sub> uptake in <i>Arabidopsis</i>"
    )
    page.screenshot(path=str(ARTIFACTS / f"submission-error-{viewport}.png"), full_page=True)

    # Correct it, and look at the preview.
    wei.locator('.affiliation-ticks input[value="1"]').check()
    page.get_by_role("button", name="Preview").click()
    page.wait_for_load_state("networkidle")
    preview = page.locator("#preview")
    assert (
        preview.locator("h1.abstract-title").inner_html()
        == "Imaging CO<sub>2</sub> uptake in <i>Arabidopsis</i>"
    )
    assert preview.locator(".abstract-authors").inner_html().count("<sup>") == 5
    assert preview.locator(".presenting").inner_text().startswith("Jörg Götz")
    assert "10<sup>6</sup> cells" in preview.locator(".abstract-text").inner_html()
    page.screenshot(path=str(ARTIFACTS / f"submission-preview-{viewport}.png"), full_page=True)
    assert not Abstract.objects.filter(submitter__email=email).exists()  # a preview saves nothing

    page.get_by_role("button", name="Submit abstract").click()
    page.wait_for_load_state("networkidle")
    assert "has been submitted" in page.locator(".messages").inner_text()

    # Stored as typed, in the reordered order, with the right people and numbers.
    abstract = Abstract.objects.get(submitter__email=email)
    assert abstract.status == "submitted"
    assert abstract.title == "Imaging CO<sub>2</sub> uptake in <i>Arabidopsis</i>"
    assert abstract.preferred_session.title == "Biomedicine"
    authorships = list(abstract.authorships.order_by("position").select_related("person"))
    assert [(a.person.last_name, a.is_presenting) for a in authorships] == [
        ("Dvořák", False),
        ("Müller", False),
        ("Götz", True),
        ("García", False),
        ("Wei", False),
    ]
    assert [[link.affiliation.name for link in a.affiliation_links.all()] for a in authorships] == [
        ["Forschungszentrum Jülich", "Université de Lyon"],
        ["Forschungszentrum Jülich"],
        ["Helmholtz Munich"],
        ["Université de Lyon"],
        ["Helmholtz Munich"],
    ]
    assert list(abstract.keyword_links.values_list("spelling", flat=True)) == [
        "stomata",
        "CO2 uptake",
        "live imaging",
    ]
    authors_html = page.locator(".abstract-authors").inner_html()
    for printed in [
        "Tomáš Dvořák<sup>1,2</sup>",
        "Anna Müller<sup>1</sup>",
        "<u>Jörg Götz</u><sup>3</sup>",
        "María García<sup>2</sup>",
        "Li Wei<sup>3</sup>",
    ]:
        assert printed in authors_html
    assert page.locator(".abstract-affiliations li").all_inner_texts() == [
        "1 Forschungszentrum Jülich",
        "2 Université de Lyon",
        "3 Helmholtz Munich",
    ]

    # A later edit, from "My abstracts".
    page.get_by_role("link", name="My abstracts").first.click()
    assert "Submitted" in page.locator(".my-abstracts").inner_text()
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Title", exact=True).fill(
        "Imaging CO<sub>2</sub> uptake in <i>Arabidopsis thaliana</i>"
    )
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_load_state("networkidle")
    abstract.refresh_from_db()
    assert abstract.title.endswith("<i>Arabidopsis thaliana</i>")
    assert abstract.status == "submitted"
    assert abstract.authorships.count() == 5
    assert problems == []


def drag_below(page, row, target) -> None:
    """Drag ``row`` by its handle onto the lower half of ``target`` with the mouse, as a person would.

    Rows are taller than a phone's screen: held near the bottom edge, the page scrolls on.
    """
    row.evaluate("element => element.scrollIntoView({block: 'start'})")
    handle = row.locator(".drag-handle").bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    bottom = page.viewport_size["height"] - 10
    for _ in range(200):
        box = target.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.75
        if y < bottom - 50:
            page.mouse.move(x, y, steps=10)
            break
        page.mouse.move(x, bottom)
        page.mouse.move(x, bottom - 1)
    page.mouse.up()


def expect_text(page, selector: str, text: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator(selector)).to_have_text(text)
