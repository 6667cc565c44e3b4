"""A reviewer in headless Chromium: opens their list from the event's tabs, opens an abstract, sees no
other review, submits a score and a comment, and then sees the other reviewer's review."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from conference.models import EventRole
from reviews.models import Review, ReviewAssignment
from reviews.services import review_submit
from tests.conftest import ARTIFACTS
from tests.factories import submitted_event

VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}
PASSWORD = "review the posters 1"
OTHER_COMMENT = "The sample is small; the conclusion goes further than the data."


@pytest.fixture
def review_event(transactional_db):
    event = submitted_event(count=4)
    first, second = event.abstracts.order_by("pk")[:2]
    rita = User.objects.create_user("rita@example.org", "rita@example.org", PASSWORD)
    sam = User.objects.create_user("sam@example.org", "sam@example.org", PASSWORD)
    for reviewer in (rita, sam):
        EventRole.objects.create(event=event, user=reviewer, role="reviewer")
        ReviewAssignment.objects.create(abstract=first, reviewer=reviewer)
    ReviewAssignment.objects.create(abstract=second, reviewer=rita)
    review_submit(
        event=event,
        abstract_id=first.pk,
        reviewer=sam,
        score=2,
        comment=OTHER_COMMENT,
        recommendation="reject",
    )
    return event


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_reviewer_reviews_an_abstract_and_then_sees_the_other_review(
    web_server, page_at, review_event, viewport
):
    page = page_at(*VIEWPORTS[viewport])
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status}: {r.url}") if r.status >= 400 and "favicon" not in r.url else None
        ),
    )
    log_in(page, web_server, "rita@example.org")
    page.goto(f"{web_server}/events/{review_event.slug}/")
    page.get_by_role("link", name="Reviews", exact=True).click()

    assert "2 to do · 0 done" in page.locator(".review-progress").inner_text()
    expect(page.locator(".review-item")).to_have_count(2)
    first = review_event.abstracts.order_by("pk").first()
    page.get_by_role("link", name=first.title).click()

    expect(page.get_by_role("heading", name=first.title)).to_be_visible()
    assert OTHER_COMMENT not in page.content()
    expect(page.locator(".review-others-hidden")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / f"review-before-{viewport}.png"), full_page=True)

    page.get_by_role("radio", name="4", exact=True).check()
    page.get_by_role("radio", name="Accept").check()
    page.get_by_label("Comment").fill("Clear question, sound method; worth a poster.")
    page.get_by_role("button", name="Submit the review").click()

    assert "Your review is submitted." in page.locator(".messages").inner_text()
    others = page.locator(".review-others .review-card")
    assert others.count() == 1
    assert OTHER_COMMENT in others.inner_text()
    assert "score 2" in others.inner_text()
    assert page.get_by_role("radio", name="4", exact=True).is_checked()  # the form now holds the review
    page.screenshot(path=str(ARTIFACTS / f"review-after-{viewport}.png"), full_page=True)

    stored = Review.objects.get(assignment__reviewer__email="rita@example.org")
    assert (stored.score, stored.recommendation) == (4, "accept")
    assert stored.comment == "Clear question, sound method; worth a poster."
    page.get_by_role("link", name="Back to your reviews").click()
    assert "1 to do · 1 done" in page.locator(".review-progress").inner_text()
    assert errors == []


@pytest.mark.browser
def test_an_organiser_assigns_reviewers_and_sorts_the_board_by_mean_score(web_server, page_at, review_event):
    organiser = User.objects.create_user("olga@example.org", "olga@example.org", PASSWORD)
    EventRole.objects.create(event=review_event, user=organiser, role="organiser")
    page = page_at(1280, 900)
    log_in(page, web_server, "olga@example.org")
    page.goto(f"{web_server}/events/{review_event.slug}/board/")
    page.get_by_role("link", name="Reviewers", exact=True).click()

    page.get_by_label("Reviewers per abstract").fill("2")
    page.get_by_role("button", name="Assign reviewers").click()
    assert "5 reviews assigned to 3 abstracts." in page.locator(".messages").inner_text()
    assert page.locator(".review-count").all_inner_texts() == ["1/2", "0/2", "0/2", "0/2"]
    page.screenshot(path=str(ARTIFACTS / "review-assign-desktop.png"), full_page=True)

    page.goto(f"{web_server}/events/{review_event.slug}/board/")
    page.get_by_label("Sort by").select_option(label="mean score, highest first")
    page.get_by_role("button", name="Filter").click()
    assert page.locator(".board-row .board-mean").first.inner_text() == "2.00"
    page.screenshot(path=str(ARTIFACTS / "review-board-desktop.png"), full_page=True)

    page.get_by_role("link", name=f"Open {review_event.abstracts.order_by('pk').first().title}").click()
    assert "1 of 2 done" in page.locator(".review-count").inner_text()
    page.screenshot(path=str(ARTIFACTS / "review-record-desktop.png"), full_page=True)
