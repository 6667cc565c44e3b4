"""Reviewers read their assignments and write their reviews through the reviews service; organisers
read every review of their events and order the abstracts by mean score."""

import pytest

from reviews.models import Review, ReviewAssignment
from reviews.services import review_submit
from tests.api.conftest import error_of, make_user

pytestmark = pytest.mark.django_db


def test_a_reviewer_reads_their_assignment_and_writes_then_revises_their_review(client, world):
    world.login(client, "reviewer")
    rows = client.get("/api/v1/review-assignments/").json()["results"]
    assert [(row["abstract_title"], row["review"]) for row in rows] == [("Someone else's work", None)]
    # The abstract assigned is readable for them now; others' abstracts stay hidden.
    assert client.get(rows[0]["abstract_url"]).status_code == 200

    url = f"/api/v1/review-assignments/{world.assignment.pk}/review/"
    response = client.post(
        url, {"score": 5, "recommendation": "accept", "comment": "Excellent."}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["score"], response.json()["reviewer"]) == (5, "reviewer@example.org")
    response = client.post(
        url, {"score": 2, "recommendation": "reject", "comment": "On reflection."}, format="json"
    )
    review = Review.objects.get(assignment=world.assignment)
    assert (review.score, review.recommendation, review.comment) == (2, "reject", "On reflection.")

    done = client.get("/api/v1/review-assignments/?done=true").json()["results"]
    assert [row["review"]["score"] for row in done] == [2]


def test_a_score_off_the_events_scale_is_refused_with_the_services_reason(client, world):
    world.login(client, "reviewer")
    response = client.post(
        f"/api/v1/review-assignments/{world.assignment.pk}/review/",
        {"score": 9, "recommendation": "accept", "comment": "Wow."},
        format="json",
    )
    assert response.status_code == 400
    assert error_of(response) == {
        "code": "refused",
        "message": "The score must be a whole number from 1 to 5 (this event's scale); 9 is not.",
    }
    assert not Review.objects.exists()


def test_a_reviewer_sees_only_their_own_reviews_and_organisers_all_of_their_event(client, world):
    second = make_user("second-reviewer@example.org")
    world.event.roles.create(user=second, role="reviewer")
    ReviewAssignment.objects.create(abstract=world.someone_elses, reviewer=second)
    world.review()
    review_submit(
        event=world.event,
        abstract_id=world.someone_elses.pk,
        reviewer=second,
        score=2,
        comment="Unclear.",
        recommendation="reject",
    )
    world.login(client, "reviewer")
    assert [row["score"] for row in client.get("/api/v1/reviews/").json()["results"]] == [4]
    client.force_login(world.users["organiser"])
    assert sorted(row["score"] for row in client.get("/api/v1/reviews/").json()["results"]) == [2, 4]
    client.force_login(world.users["other_organiser"])
    assert client.get("/api/v1/reviews/").json()["results"] == []


def test_organisers_order_their_events_abstracts_by_mean_score(client, world):
    world.review()  # someone else's work: 4
    ReviewAssignment.objects.create(abstract=world.submitted, reviewer=world.users["reviewer"])
    review_submit(
        event=world.event,
        abstract_id=world.submitted.pk,
        reviewer=world.users["reviewer"],
        score=5,
        comment="Better.",
        recommendation="accept",
    )
    world.login(client, "organiser")
    body = client.get("/api/v1/abstracts/?event=open-meeting&status=submitted&ordering=-score").json()
    assert [(row["title"], row["reviews"]["score_mean"]) for row in body["results"]] == [
        ("Submitted work", 5.0),
        ("Someone else's work", 4.0),
    ]


@pytest.mark.parametrize("role", ["anonymous", "reviewer", "other_organiser"])
def test_ordering_by_score_is_for_the_events_organisers(client, world, role):
    world.login(client, role)
    response = client.get("/api/v1/abstracts/?event=open-meeting&ordering=score")
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["ordering"]
    if role != "anonymous":
        rows = client.get("/api/v1/abstracts/?event=open-meeting").json()["results"]
        assert all(row["reviews"] is None for row in rows)
