"""Reviewers over HTTP: their list, the review form on the event's scale, other reviews hidden until
their own is in, revising until the abstract is decided."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from conference.models import Event
from programme.services import abstracts_decide
from reviews.models import Review
from reviews.services import ReviewRefused
from tests.factories import make_event, submitted_event
from tests.reviews.helpers import assign, make_reviewer, review

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return submitted_event(count=3)


@pytest.fixture
def abstract(event):
    return event.abstracts.order_by("pk").first()


def page_url(abstract) -> str:
    return f"/events/{abstract.event.slug}/reviews/{abstract.pk}/"


def post_review(client, abstract, **fields):
    data = {"score": "4", "recommendation": "accept", "comment": "Clear and well argued.", **fields}
    return client.post(page_url(abstract), data)


def test_other_reviews_are_hidden_until_the_reviewer_has_submitted_their_own(client, event, abstract):
    rita, sam = make_reviewer(event, "rita@example.org"), make_reviewer(event, "sam@example.org")
    assign(abstract, rita)
    assign(abstract, sam)
    review(abstract, sam, score=2, comment="The method section is missing.", recommendation="reject")
    client.force_login(rita)

    before = client.get(page_url(abstract)).content.decode()
    response = post_review(client, abstract, score="5", comment="A fine poster.")
    after = client.get(page_url(abstract)).content.decode()

    assert "The method section is missing." not in before
    assert "shown here once you have submitted yours" in before
    assert response.status_code == 302
    assert "The method section is missing." in after
    assert "shown here once you have submitted yours" not in after
    assert "Your review is submitted." in after
    stored = Review.objects.get(assignment__reviewer=rita)
    assert (stored.score, stored.recommendation, stored.comment) == (5, "accept", "A fine poster.")


def test_a_score_outside_the_events_scale_is_refused_with_a_clear_message(client, event, abstract):
    Event.objects.filter(pk=event.pk).update(review_score_min=0, review_score_max=3)
    rita = make_reviewer(event, "rita@example.org")
    assign(abstract, rita)
    client.force_login(rita)

    too_high = post_review(client, abstract, score="4")
    not_a_number = post_review(client, abstract, score="four")
    page = client.get(page_url(abstract)).content.decode()

    assert too_high.status_code == 200
    assert "The score must be a whole number from 0 to 3 (this event&#x27;s scale); 4 is not." in (
        too_high.content.decode()
    )
    assert "Enter a whole number." in not_a_number.content.decode()
    assert 'value="0"' in page and 'value="3"' in page and 'value="4"' not in page  # the scale's radios
    assert not Review.objects.exists()
    event.refresh_from_db()
    with pytest.raises(ReviewRefused, match="from 0 to 3"):
        review(abstract, rita, score=-1)
    assert post_review(client, abstract, score="0").status_code == 302
    assert Review.objects.get().score == 0


def test_a_long_scale_is_typed_as_a_number(client, abstract):
    Event.objects.filter(pk=abstract.event_id).update(review_score_min=0, review_score_max=100)
    rita = make_reviewer(abstract.event, "rita@example.org")
    assign(abstract, rita)
    client.force_login(rita)

    page = client.get(page_url(abstract)).content.decode()

    assert 'type="number" name="score" min="0" max="100"' in page


def test_comment_and_recommendation_are_required(client, event, abstract):
    rita = make_reviewer(event, "rita@example.org")
    assign(abstract, rita)
    client.force_login(rita)

    response = client.post(page_url(abstract), {"score": "3", "comment": "   "})

    page = response.content.decode()
    assert "Write a comment for the organisers." in page
    assert "Recommend to accept or to reject the abstract." in page
    assert not Review.objects.exists()


def test_a_reviewer_may_revise_until_the_abstract_is_decided(client, event, abstract):
    rita = make_reviewer(event, "rita@example.org")
    assign(abstract, rita)
    client.force_login(rita)
    post_review(client, abstract, score="2", recommendation="reject")
    first = Review.objects.get()

    post_review(client, abstract, score="4", comment="Better on a second reading.")
    revised = Review.objects.get()
    abstracts_decide(event=event, abstract_ids=[abstract.pk], status="accepted")
    late = client.post(
        page_url(abstract),
        {"score": "1", "recommendation": "reject", "comment": "Changed my mind."},
        follow=True,
    )

    assert (revised.pk, revised.score, revised.comment) == (first.pk, 4, "Better on a second reading.")
    assert revised.submitted_at == first.submitted_at
    assert "its reviews can no longer change" in late.content.decode()
    assert Review.objects.get().score == 4
    assert 'name="comment"' not in late.content.decode()  # shown, no longer a form
    with pytest.raises(ReviewRefused, match="accepted"):
        review(abstract, rita, score=1)


def test_my_reviews_lists_what_is_to_do_first(client, event):
    first, second, third = event.abstracts.order_by("pk")
    rita = make_reviewer(event, "rita@example.org")
    for abstract in (first, second, third):
        assign(abstract, rita)
    review(first, rita, score=3)
    client.force_login(rita)

    page = client.get(f"/events/{event.slug}/reviews/").content.decode()

    assert "2 to do · 1 done" in page
    assert page.index(second.title) < page.index(third.title) < page.index(first.title)
    assert f'href="/events/{event.slug}/reviews/"' in client.get(f"/events/{event.slug}/").content.decode()


def test_the_event_scale_must_go_upwards():
    event = make_event()
    event.review_score_min, event.review_score_max = 5, 5

    with pytest.raises(ValidationError, match="The lowest review score must be below the highest"):
        event.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        event.save()
