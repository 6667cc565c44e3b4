"""Every list endpoint costs the same number of queries for 10 abstracts as for 200."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from abstracts.models import Affiliation
from books.models import BookBuild
from conference.models import Event, EventRole
from indexes.services import index_rebuild
from reviews.models import Review, ReviewAssignment
from tests.api.conftest import make_user
from tests.factories import make_abstract, make_event, make_person, make_session

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/events/",
    "/api/v1/sessions/?event=counted",
    "/api/v1/abstracts/?event=counted&page_size=100",
    "/api/v1/abstracts/?event=counted&page_size=100&search=study&ordering=code",
    "/api/v1/people/?event=counted&page_size=100",
    "/api/v1/affiliations/?event=counted&page_size=100",
    "/api/v1/keywords/?event=counted&page_size=100",
    "/api/v1/events/counted/author-index/?page_size=100",
    "/api/v1/events/counted/keyword-index/?page_size=100",
    "/api/v1/book-builds/?event=counted",
    "/api/v1/review-assignments/?event=counted&page_size=100",
    "/api/v1/reviews/?event=counted&page_size=100",
    "/api/v1/abstracts/?event=counted&page_size=100&ordering=-score",
]


def populate(size: int):
    """An event of ``size`` accepted abstracts, each with three authors and two affiliations."""
    event = make_event(slug="counted", is_published=True)
    sessions = [make_session(event, f"Session {n}", n) for n in range(1, 4)]
    affiliations = [
        Affiliation.objects.create(event=event, name=f"Institute {n}") for n in range(size // 4 + 2)
    ]
    for n in range(size):
        people = [make_person(event, last_name=f"Author{n}-{k}") for k in range(3)]
        make_abstract(
            event,
            title=f"Study {n}",
            code=f"PS{n + 1}",
            session=sessions[n % 3],
            authors=[(person, affiliations[n // 4 : n // 4 + 2]) for person in people],
            keywords=[f"Keyword {n % 7}", f"Topic {n}"],
            presenting=0,
        )
    for status in ("succeeded", "failed"):
        for _ in range(2 if size < 50 else 6):
            BookBuild.objects.create(event=event, status=status, pages=10, revision=1, pdf="books/x.pdf")
    index_rebuild(event_id=event.pk, force=True)
    organiser = make_user(f"organiser-{size}@example.org")
    EventRole.objects.create(event=event, user=organiser, role="organiser")
    reviewer = make_user(f"reviewer-{size}@example.org")
    EventRole.objects.create(event=event, user=reviewer, role="reviewer")
    for n, abstract in enumerate(event.abstracts.all()):
        assignment = ReviewAssignment.objects.create(abstract=abstract, reviewer=reviewer)
        Review.objects.create(
            assignment=assignment, score=n % 5 + 1, comment="Fine.", recommendation="accept"
        )
    return organiser


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(queries)


def urls_for(as_organiser: bool) -> list[str]:
    # Ordering by score is the organisers' (a 400 for anyone else).
    return [url for url in LISTS if as_organiser or "score" not in url]


@pytest.mark.parametrize("as_organiser", [False, True], ids=["anonymous", "organiser"])
def test_list_queries_do_not_grow_with_the_number_of_abstracts(client, as_organiser):
    counts = {}
    for size in (10, 200):
        Event.objects.filter(slug="counted").delete()
        organiser = populate(size)
        client.logout()
        if as_organiser:
            client.force_login(organiser)
        counts[size] = {url: count_queries(client, url) for url in urls_for(as_organiser)}
        results = client.get("/api/v1/abstracts/?event=counted&page_size=100").json()
        assert results["count"] == size
    assert counts[10] == counts[200]
    # The abstracts were read with their authors, affiliations and keywords, not skipped.
    assert counts[200]["/api/v1/abstracts/?event=counted&page_size=100"] >= 6
