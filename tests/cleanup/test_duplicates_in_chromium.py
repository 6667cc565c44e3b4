"""An organiser cleans up the demo conference in headless Chromium: opens the duplicates report from
the board, merges a keyword group with one click, and finds the merge in the list."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from abstracts.models import Abstract, AbstractKeyword, Affiliation, Keyword, Person
from conference.models import EventRole
from tests.conftest import ARTIFACTS
from tests.factories import import_demo_event, make_abstract, make_person


@pytest.fixture
def demo_with_duplicates(transactional_db):
    event = import_demo_event()
    timo = Person.objects.get(event=event, last_name="Dickscheid")
    affiliation = timo.authorships.first().affiliations.first()
    initial = make_person(event, first_name="T.", last_name="Dickscheid")
    make_abstract(
        event,
        authors=[(initial, [affiliation])],
        presenting=0,
        keywords=["DL", "Brain mapping"],
        status=Abstract.Status.SUBMITTED,
        title="Seeing the cells: <i>in situ</i> mapping",
    )
    organiser = User.objects.create_user("olga@example.org", "olga@example.org", "organise the meeting 1")
    EventRole.objects.create(event=event, user=organiser, role="organiser")
    return event


@pytest.mark.browser
def test_an_organiser_merges_a_keyword_group_from_the_report(web_server, page_at, demo_with_duplicates):
    event = demo_with_duplicates
    page = page_at(1280, 900)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{web_server}/accounts/login/")
    page.get_by_label("E-mail address").fill("olga@example.org")
    page.get_by_label("Password").fill("organise the meeting 1")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{web_server}/events/{event.slug}/board/")
    page.get_by_role("link", name="Duplicates").click()

    assert page.locator("h1").inner_text() == "Duplicates"
    people = page.locator("#people .merge-group")
    assert people.count() == 1
    assert "Timo Dickscheid" in people.inner_text() and "T. Dickscheid" in people.inner_text()
    page.screenshot(path=str(ARTIFACTS / "cleanup-duplicates-desktop.png"), full_page=True)

    group = page.locator("#keywords .merge-group").filter(has=page.get_by_label("Keep DL", exact=True))
    assert group.get_by_label("Keep Deep Learning", exact=True).is_checked(), "the most used one is suggested"
    group.get_by_role("button", name="Merge").click()

    message = page.locator(".messages").inner_text()
    assert (
        "Merged 1 keyword (“DL”) into “Deep Learning”: 1 keyword link moved; 1 abstract changed." in message
    )
    expect(page.locator("#keywords").get_by_label("Keep DL", exact=True)).to_have_count(0)
    assert "DL" in page.locator("#merges table").inner_text()
    assert not Keyword.objects.filter(event=event, label="DL").exists()
    assert AbstractKeyword.objects.filter(abstract__title__startswith="Seeing the cells").count() == 2

    # "HMGU" is not the initials of "Helmholtz Muenchen": merged by hand.
    manual = page.locator("#manual")
    manual.get_by_label("Kind").select_option("affiliation")
    manual.get_by_label("Name contains any of the words").fill("Neuherberg Neuhrberg")
    manual.get_by_role("button", name="Find").click()
    kept, typo = (
        "HMGU, Helmholtz AI, Neuherberg, Germany",
        "Helmholtz Muenchen, Helmholtz AI, Neuhrberg, Germany",
    )
    manual = page.locator("#manual")
    manual.get_by_label(f"Keep {kept}", exact=True).check()
    manual.get_by_label(f"Include {typo} in the merge", exact=True).check()
    manual.screenshot(path=str(ARTIFACTS / "cleanup-merge-by-hand.png"))
    manual.get_by_role("button", name="Merge").click()
    message = page.locator(".messages").inner_text()
    assert f"Merged 1 affiliation (“{typo}”) into “{kept}”" in message
    assert not Affiliation.objects.filter(event=event, name=typo).exists()

    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(ARTIFACTS / "cleanup-duplicates-phone.png"), full_page=False)
    assert errors == []
