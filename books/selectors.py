from django.db.models import QuerySet

from books.models import BookBuild
from conference.models import Event


def latest_good_build(event: Event) -> BookBuild | None:
    """The newest build whose PDF is there to download: stays the answer while a new build runs."""
    return (
        event.book_builds.filter(status=BookBuild.Status.SUCCEEDED)
        .exclude(pdf="")
        .order_by("-finished_at", "-pk")
        .first()
    )


def build_history(event: Event, limit: int = 30) -> QuerySet[BookBuild]:
    return event.book_builds.defer("plan", "page_numbers").order_by("-requested_at", "-pk")[:limit]


def active_build(event: Event) -> BookBuild | None:
    return (
        event.book_builds.filter(status__in=[BookBuild.Status.RUNNING, BookBuild.Status.QUEUED])
        .defer("plan", "page_numbers")
        .order_by("-status", "requested_at")  # running before queued
        .first()
    )
