"""The admin shows a staff user the reviews and assignments of the events they organise, and no others;
superusers see all. It changes nothing: assigning and reviewing happen on the pages."""

import pytest

from reviews.models import Review
from tests.factories import make_abstract, make_event
from tests.reviews.helpers import assign, give_role, make_reviewer, make_user, review

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_events():
    events = {}
    for name in ("A", "B"):
        event = make_event(name=f"Event {name}", is_published=True)
        abstract = make_abstract(event, status="submitted", title=f"Poster of {name}")
        reviewer = make_reviewer(event, f"reviewer-{name.lower()}@example.org")
        assign(abstract, reviewer)
        review(abstract, reviewer, 3, comment=f"Comment on {name}.")
        events[name] = event
    return events


def staff_with_role(event, role: str):
    """Staff status and a role in the event, and no model permissions: the role decides."""
    user = make_user(f"staff-{role}@example.org")
    user.is_staff = True
    user.save()
    return give_role(event, user, role)


def listed(client, model: str) -> str:
    response = client.get(f"/admin/reviews/{model}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_staff_organiser_sees_only_their_events_reviews_in_the_admin(client, two_events):
    client.force_login(staff_with_role(two_events["A"], "organiser"))

    reviews, assignments = listed(client, "review"), listed(client, "reviewassignment")

    assert "Poster of A" in reviews and "Poster of A" in assignments
    assert "Poster of B" not in reviews and "Poster of B" not in assignments
    assert "Event B" not in reviews  # not even in the event filter
    own = Review.objects.get(assignment__abstract__event=two_events["A"]).pk
    other = Review.objects.get(assignment__abstract__event=two_events["B"]).pk
    assert client.get(f"/admin/reviews/review/{own}/change/").status_code == 200
    assert client.get(f"/admin/reviews/review/{other}/change/").status_code == 302  # "does not exist"
    assert client.get("/admin/reviews/review/add/").status_code == 403


def test_a_superuser_sees_every_events_reviews(admin_client, two_events):
    reviews = listed(admin_client, "review")

    assert "Poster of A" in reviews and "Poster of B" in reviews


def test_a_staff_reviewer_sees_no_reviews_in_the_admin(client, two_events):
    client.force_login(staff_with_role(two_events["A"], "reviewer"))

    assert client.get("/admin/reviews/review/").status_code == 403
    assert client.get("/admin/reviews/reviewassignment/").status_code == 403
