"""A small world for the API tests: two published events and a hidden one, and a person in each role."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from abstracts.models import Abstract
from abstracts.services import abstract_save
from abstracts.submission import AuthorEntry, SubmissionContent
from books.models import BookBuild
from conference.models import Event, EventRole
from programme.services import abstracts_decide, poster_code_set
from reviews.models import Review, ReviewAssignment
from reviews.services import review_submit
from tests.factories import make_event, make_session

UNLIMITED = {"anon": "100000/minute", "token": "100000/minute", "user": "100000/minute"}
ROLES = ("anonymous", "submitter", "reviewer", "organiser", "other_organiser")


@pytest.fixture(autouse=True)
def unthrottled(settings):
    """Tests make many requests from one address; the throttling tests set their own rates."""
    settings.API_THROTTLE_RATES = dict(UNLIMITED)


@pytest.fixture
def client() -> APIClient:
    return APIClient()


def make_user(email: str, **fields) -> User:
    return User.objects.create_user(username=email, email=email, password=None, **fields)  # no slow hashing


def content(title: str, *, session_id: int | None, authors=None, keywords=("Imaging",)) -> SubmissionContent:
    return SubmissionContent(
        title=title,
        text="We measured CO<sub>2</sub> in the lab.",
        preferred_session_id=session_id,
        authors=authors
        or (
            AuthorEntry(
                first_name="Ada",
                last_name="Lovelace",
                email="ada@example.org",
                affiliations=("Forschungszentrum Jülich", "RWTH Aachen"),
                is_presenting=True,
            ),
            AuthorEntry(first_name="Grace", last_name="Hopper", affiliations=("RWTH Aachen",)),
        ),
        keywords=keywords,
    )


@dataclass
class World:
    event: Event
    other_event: Event
    hidden_event: Event
    users: dict[str, User]
    accepted: Abstract
    submitted: Abstract
    draft: Abstract
    someone_elses: Abstract
    other_submitted: Abstract
    failed_build: BookBuild
    assignment: ReviewAssignment

    def review(self) -> Review:
        """The reviewer's review of their assignment, written through the reviews service."""
        existing = Review.objects.filter(assignment=self.assignment).first()
        return existing or review_submit(
            event=self.event,
            abstract_id=self.someone_elses.pk,
            reviewer=self.users["reviewer"],
            score=4,
            comment="Clear and new.",
            recommendation="accept",
        )

    def login(self, client: APIClient, role: str) -> APIClient:
        if role != "anonymous":
            client.force_login(self.users[role])
        return client


@pytest.fixture
def world(db) -> World:
    now = timezone.now()
    call = {"call_opens_at": now - timedelta(days=1), "call_deadline": now + timedelta(days=30)}
    event = make_event(name="Open Meeting", slug="open-meeting", is_published=True, **call)
    biology = make_session(event, "Biology", 1)
    make_session(event, "Physics", 2)
    other_event = make_event(name="Other Meeting", slug="other-meeting", is_published=True, **call)
    other_session = make_session(other_event, "Chemistry", 1)
    hidden_event = make_event(name="Hidden Meeting", slug="hidden-meeting", is_published=False, **call)
    users = {role: make_user(f"{role}@example.org") for role in ROLES if role != "anonymous"}
    someone = make_user("someone@example.org")
    EventRole.objects.create(event=event, user=users["organiser"], role="organiser")
    EventRole.objects.create(event=event, user=users["reviewer"], role="reviewer")
    EventRole.objects.create(event=other_event, user=users["other_organiser"], role="organiser")
    EventRole.objects.create(event=hidden_event, user=users["other_organiser"], role="organiser")

    def save(title, submitter, *, submit=True, target=event, session=biology):
        return abstract_save(
            event=target,
            submitter=submitter,
            content=content(title, session_id=session.pk if session else None),
            submit=submit,
        )

    accepted = save("Accepted work", users["submitter"])
    abstracts_decide(event=event, abstract_ids=[accepted.pk], status="accepted")
    poster_code_set(event=event, abstract_id=accepted.pk, code="PS1")
    submitted = save("Submitted work", users["submitter"])
    draft = save("Draft work", users["submitter"], submit=False)
    someone_elses = save("Someone else's work", someone)
    other_submitted = save("Other event's work", someone, target=other_event, session=other_session)
    failed_build = BookBuild.objects.create(event=event, status=BookBuild.Status.FAILED, error="boom")
    assignment = ReviewAssignment.objects.create(abstract=someone_elses, reviewer=users["reviewer"])
    for abstract in (accepted, submitted, draft, someone_elses, other_submitted):
        abstract.refresh_from_db()
    return World(
        event=event,
        other_event=other_event,
        hidden_event=hidden_event,
        users=users,
        accepted=accepted,
        submitted=submitted,
        draft=draft,
        someone_elses=someone_elses,
        other_submitted=other_submitted,
        failed_build=failed_build,
        assignment=assignment,
    )


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]
