"""Two submissions at the same moment that both name a new co-author (same e-mail) both succeed."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from abstracts.models import Person
from abstracts.services import abstract_save
from abstracts.submission import AuthorEntry, SubmissionContent
from tests.api.conftest import make_user
from tests.factories import make_event

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="SQLite serialises all writers anyway"),
]


def _content(title: str) -> SubmissionContent:
    return SubmissionContent(
        title=title,
        text="We measured the thing twice.",
        # Grace comes first, so her record is the first thing both submissions write; nothing else is shared.
        authors=(
            AuthorEntry(
                first_name="Grace",
                last_name="Hopper",
                email="grace@example.org",
                affiliations=(f"{title} lab",),
            ),
            AuthorEntry(
                first_name="Ada", last_name="Lovelace", affiliations=(f"{title} lab",), is_presenting=True
            ),
        ),
        keywords=(f"{title} keyword",),
    )


def test_a_co_author_created_by_another_submission_in_the_same_moment_is_shared_not_a_500():
    now = timezone.now()
    event = make_event(call_opens_at=now - timedelta(days=1), call_deadline=now + timedelta(days=5))
    first, second = make_user("first@example.org"), make_user("second@example.org")
    inserted = threading.Event()
    release = threading.Event()
    outcome: dict[str, object] = {}

    def other_submission_holding_its_insert() -> None:
        # The first submission has written Grace's record but not committed yet.
        try:
            with transaction.atomic():
                abstract_save(event=event, submitter=first, content=_content("First"), submit=True)
                inserted.set()
                release.wait(30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=other_submission_holding_its_insert)
    holder.start()
    assert inserted.wait(30)

    def second_submission() -> None:
        try:
            outcome["abstract"] = abstract_save(
                event=event, submitter=second, content=_content("Second"), submit=True
            )
        except Exception as error:  # reported below with its type
            outcome["error"] = error
        finally:
            connections.close_all()

    saver = threading.Thread(target=second_submission)
    saver.start()
    # The second insert of grace@example.org waits on the first transaction's row lock; then let it commit.
    waiting = False
    for _ in range(300):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            waiting = cursor.fetchone()[0] > 0
        if waiting:
            break
        threading.Event().wait(0.1)
    release.set()
    holder.join(30)
    saver.join(30)

    assert waiting, "the second submission never waited for the first one's insert"
    assert "error" not in outcome, repr(outcome.get("error"))
    graces = Person.objects.filter(event=event, email__iexact="grace@example.org")
    assert graces.count() == 1
    assert sorted(graces.get().authorships.values_list("abstract__title", flat=True)) == ["First", "Second"]
