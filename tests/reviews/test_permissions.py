"""Who may open which review page: anonymous visitors, submitters, reviewers (of this event or
another), organisers. A reviewer sees only the abstracts assigned to them, and not the board."""

import pytest

from reviews.models import Review, ReviewAssignment
from tests.factories import make_abstract, make_event, submitted_event
from tests.reviews.helpers import assign, make_organiser, make_reviewer, make_user

pytestmark = pytest.mark.django_db

LOGIN = "login"


@pytest.fixture
def setting():
    event = submitted_event(count=2)
    assigned, unassigned = event.abstracts.order_by("pk")
    other_event = make_event(is_published=True)
    people = {
        "submitter": make_user("sam@example.org"),
        "reviewer": make_reviewer(event, "rita@example.org"),
        "other event's reviewer": make_reviewer(other_event, "otto@example.org"),
        "organiser": make_organiser(event),
    }
    make_abstract(event, status="submitted", submitter=people["submitter"])
    assign(assigned, people["reviewer"])
    return event, assigned, unassigned, people


def pages(event, assigned, unassigned) -> dict[str, tuple[str, str, dict]]:
    base = f"/events/{event.slug}"
    review = {"score": "3", "recommendation": "accept", "comment": "Fine."}
    return {
        "my reviews": ("get", f"{base}/reviews/", {}),
        "assigned abstract": ("get", f"{base}/reviews/{assigned.pk}/", {}),
        "review it": ("post", f"{base}/reviews/{assigned.pk}/", review),
        "unassigned abstract": ("get", f"{base}/reviews/{unassigned.pk}/", {}),
        "review the unassigned": ("post", f"{base}/reviews/{unassigned.pk}/", review),
        "reviewer assignment": ("get", f"{base}/board/reviewers/", {}),
        "assign in bulk": (
            "post",
            f"{base}/board/reviewers/",
            {"action": "balanced", "balanced-per_abstract": "1", "balanced-scope": "short"},
        ),
        "add a reviewer by hand": (
            "post",
            f"{base}/board/abstracts/{unassigned.pk}/reviewers/",
            {"action": "add"},
        ),
        "board": ("get", f"{base}/board/", {}),
        "organisers' abstract page": ("get", f"{base}/board/abstracts/{assigned.pk}/", {}),
    }


EXPECTED = {
    # page: anonymous, submitter, reviewer, other event's reviewer, organiser
    "my reviews": (LOGIN, 403, 200, 403, 403),
    "assigned abstract": (LOGIN, 403, 200, 403, 403),
    "review it": (LOGIN, 403, 302, 403, 403),
    "unassigned abstract": (LOGIN, 403, 404, 403, 403),
    "review the unassigned": (LOGIN, 403, 404, 403, 403),
    "reviewer assignment": (LOGIN, 403, 403, 403, 200),
    "assign in bulk": (LOGIN, 403, 403, 403, 302),
    "add a reviewer by hand": (LOGIN, 403, 403, 403, 302),
    "board": (LOGIN, 403, 403, 403, 200),
    "organisers' abstract page": (LOGIN, 403, 403, 403, 200),
}
ROLES = ("anonymous", "submitter", "reviewer", "other event's reviewer", "organiser")


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_it_may_on_every_review_page(client, setting, role):
    event, assigned, unassigned, people = setting
    if role != "anonymous":
        client.force_login(people[role])
    # Writes come last, so that each read sees the state the fixture made.
    for name, (method, url, data) in sorted(
        pages(event, assigned, unassigned).items(), key=lambda p: p[1][0]
    ):
        response = getattr(client, method)(url, data)
        expected = EXPECTED[name][ROLES.index(role)]
        if expected == LOGIN:
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], name
        else:
            assert response.status_code == expected, (name, response.status_code)

    reviewed = Review.objects.filter(assignment__abstract=assigned).exists()
    assert reviewed == (role == "reviewer")
    assert not Review.objects.filter(assignment__abstract=unassigned).exists()
    bulk_assigned = ReviewAssignment.objects.filter(abstract=unassigned).exists()
    assert bulk_assigned == (role == "organiser")


def test_a_reviewer_finds_no_trace_of_unassigned_abstracts(client, setting):
    event, assigned, unassigned, people = setting
    client.force_login(people["reviewer"])

    page = client.get(f"/events/{event.slug}/reviews/").content.decode()

    assert assigned.title in page
    assert unassigned.title not in page
    assert "Programme board" not in client.get(f"/events/{event.slug}/").content.decode()


def test_a_hidden_event_answers_404_to_other_events_reviewers(client, setting):
    event, assigned, _, people = setting
    event.is_published = False
    event.save()
    client.force_login(people["other event's reviewer"])

    assert client.get(f"/events/{event.slug}/reviews/").status_code == 404
    client.force_login(people["reviewer"])
    assert client.get(f"/events/{event.slug}/reviews/{assigned.pk}/").status_code == 200
