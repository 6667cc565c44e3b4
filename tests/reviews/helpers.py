"""Helpers shared by the review tests: people with roles, and reviews given through the services."""

from django.contrib.auth.models import User

from conference.models import Event, EventRole
from reviews.models import ReviewAssignment
from reviews.services import review_submit


def make_user(email: str, password: str = "x") -> User:  # noqa: S107 - test accounts
    return User.objects.create_user(email.lower(), email, password)


def give_role(event: Event, user: User, role: str) -> User:
    EventRole.objects.create(event=event, user=user, role=role)
    return user


def make_reviewer(event: Event, email: str) -> User:
    return give_role(event, make_user(email), "reviewer")


def assign(abstract, reviewer) -> ReviewAssignment:
    return ReviewAssignment.objects.create(abstract=abstract, reviewer=reviewer)


def review(abstract, reviewer, score: int, comment: str = "Sound work.", recommendation: str = "accept"):
    return review_submit(
        event=abstract.event,
        abstract_id=abstract.pk,
        reviewer=reviewer,
        score=score,
        comment=comment,
        recommendation=recommendation,
    )


def make_organiser(event: Event, email: str = "olga@example.org") -> User:
    return give_role(event, make_user(email), "organiser")
