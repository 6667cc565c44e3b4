"""The change pipeline against a live Celery worker: edits reach the indexes, bursts coalesce,
a dead broker loses nothing, a failed rebuild leaves the previous index."""

import threading
import time

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection

from abstracts.models import Abstract, Person
from abstracts.services import abstract_set_status
from conference.celery import app as celery_app
from conference.models import Event
from indexes import services
from indexes.models import AuthorIndexEntry, IndexState, KeywordIndexEntry
from indexes.services import RebuildInProgress, index_build_lock, index_rebuild
from indexes.tasks import reconcile_indexes
from tests.brokers import UNREACHABLE_BROKER, point_celery_at
from tests.factories import import_demo_event

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_until_current(event: Event, seconds: float = 60) -> IndexState:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        event.refresh_from_db()
        state = IndexState.objects.filter(event=event).first()
        if state and state.built_revision == event.revision and state.queued_at is None:
            return state
        time.sleep(0.2)
    raise AssertionError(f"indexes of {event.slug} not current after {seconds} s: {state and state.__dict__}")


def author_labels(event: Event) -> list[str]:
    return [entry.label for entry in AuthorIndexEntry.objects.filter(event=event).order_by("position")]


def test_an_import_and_then_an_edit_reach_the_index_through_the_worker(celery_worker_process):
    event = import_demo_event()

    state = wait_until_current(event)
    assert AuthorIndexEntry.objects.filter(event=event).count() == 158
    assert "Bačák Miroslav" in author_labels(event)
    builds = state.builds

    bacak_abstract = Abstract.objects.get(event=event, code="PS-42")
    abstract_set_status(abstract_id=bacak_abstract.pk, status=Abstract.Status.WITHDRAWN)

    state = wait_until_current(event)
    assert "Bačák Miroslav" not in author_labels(event)
    assert state.builds == builds + 1


def test_a_burst_of_edits_is_built_by_a_few_rebuilds_not_one_each(celery_worker_process):
    event = import_demo_event()
    builds_before = wait_until_current(event).builds
    abstract = Abstract.objects.get(event=event, code="PS-01")

    started = time.monotonic()
    for n in range(100):
        status = Abstract.Status.REJECTED if n % 2 == 0 else Abstract.Status.ACCEPTED
        abstract_set_status(abstract_id=abstract.pk, status=status)
    abstract_set_status(abstract_id=abstract.pk, status=Abstract.Status.REJECTED)
    burst_seconds = time.monotonic() - started

    state = wait_until_current(event)
    rebuilds = state.builds - builds_before
    print(f"101 edits in {burst_seconds:.1f} s -> {rebuilds} rebuilds")
    assert 1 <= rebuilds <= 5
    assert "Weigel Tobias" not in author_labels(event)  # PS-01 ended rejected


@pytest.fixture
def broker_down():
    original = celery_app.conf.broker_url
    point_celery_at(UNREACHABLE_BROKER)
    yield lambda: point_celery_at(original)
    point_celery_at(original)


def test_with_the_broker_down_edits_save_and_the_index_catches_up_when_it_returns(
    celery_worker_process, broker_down
):
    restore_broker = broker_down
    event = import_demo_event()  # saved although no rebuild could be queued
    abstract = Abstract.objects.get(event=event, code="PS-42")
    abstract_set_status(abstract_id=abstract.pk, status=Abstract.Status.REJECTED)

    event.refresh_from_db()
    state = IndexState.objects.get(event=event)
    assert Abstract.objects.get(pk=abstract.pk).status == Abstract.Status.REJECTED
    assert event.abstracts.count() == 46
    assert state.built_revision is None
    assert state.queued_at is None  # the failed request left nothing that would block a retry

    restore_broker()
    reconcile_indexes.apply_async()  # what the periodic task does every minute

    wait_until_current(event)
    people_left = Person.objects.filter(event=event, authorships__abstract__status="accepted").distinct()
    assert AuthorIndexEntry.objects.filter(event=event).count() == people_left.count() == 154
    assert "Bačák Miroslav" not in author_labels(event)


def test_a_rebuild_that_fails_half_way_leaves_the_previous_index_and_says_why(monkeypatch):
    event = import_demo_event()
    index_rebuild(event_id=event.pk)
    before = author_labels(event)
    Abstract.objects.filter(event=event, code="PS-42").update(status=Abstract.Status.REJECTED)
    Event.objects.filter(pk=event.pk).update(revision=event.revision + 5)

    def disk_full(*args, **kwargs):
        raise DatabaseError("could not extend file: No space left on device")

    monkeypatch.setattr(KeywordIndexEntry.objects, "bulk_create", disk_full)
    from indexes.tasks import rebuild_indexes

    result = rebuild_indexes.apply(kwargs={"event_id": event.pk})

    assert result.failed()
    assert author_labels(event) == before
    state = IndexState.objects.get(event=event)
    assert state.built_revision != Event.objects.get(pk=event.pk).revision
    assert state.last_error == "DatabaseError: could not extend file: No space left on device"


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="SQLite serialises all writers anyway")
def test_a_second_rebuild_of_the_same_event_does_not_run_while_one_holds_it():
    event = import_demo_event()
    Event.objects.filter(pk=event.pk).update(revision=event.revision + 1)
    holding, release = threading.Event(), threading.Event()

    def first_rebuild_in_progress():
        with index_build_lock(event.pk):
            holding.set()
            release.wait(20)
        connection.close()

    holder = threading.Thread(target=first_rebuild_in_progress)
    holder.start()
    holding.wait(10)
    try:
        with pytest.raises(RebuildInProgress):
            index_rebuild(event_id=event.pk)
        # Meanwhile edits and rebuild requests are not held up by the running build.
        abstract = Abstract.objects.get(event=event, code="PS-05")
        abstract_set_status(abstract_id=abstract.pk, status=Abstract.Status.REJECTED)
    finally:
        release.set()
        holder.join()
    assert index_rebuild(event_id=event.pk).built is True


def test_an_unchanged_revision_is_not_rebuilt_again():
    event = import_demo_event()

    first = index_rebuild(event_id=event.pk)
    second = index_rebuild(event_id=event.pk)

    assert (first.built, second.built) == (True, False)
    assert IndexState.objects.get(event=event).builds == 1


def test_requests_coalesce_while_one_is_queued(celery_queue, monkeypatch):
    event = import_demo_event()
    IndexState.objects.filter(event=event).update(queued_at=None)
    monkeypatch.setattr(services.settings, "INDEXES_COALESCE_SECONDS", 3600)  # nothing runs meanwhile

    sent = [services.index_rebuild_request(event_id=event.pk) for _ in range(10)]

    assert sent == [True] + [False] * 9


def test_rebuild_indexes_command_rebuilds_now_and_reports(capsys):
    event = import_demo_event()

    call_command("rebuild_indexes", event.slug)

    output = capsys.readouterr().out
    assert output.startswith("helmholtz-ai-kick-off-2020: 158 authors, 199 keywords at revision ")
    assert IndexState.objects.get(event=event).built_revision == Event.objects.get(pk=event.pk).revision
