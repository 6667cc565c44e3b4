"""Book builds through a live Celery worker: a change leads to a new PDF, an unchanged revision is
not built again, the last good PDF stays downloadable through a failure and a killed worker."""

import io
import os
import signal
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from pypdf import PdfReader

from abstracts.models import Abstract
from abstracts.services import abstract_set_status
from books.models import BookBuild
from books.services import book_build_request, book_reconcile, build_book_now, parts_dir
from conference.celery import app as celery_app
from conference.models import Event
from tests.conftest import ROOT, _database_url_for_tests, _stop, _wait_for_worker
from tests.factories import import_demo_event

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for_build(event: Event, *, after: int = 0, seconds: float = 120) -> BookBuild:
    """The first finished build of ``event`` with a primary key above ``after``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        build = (
            BookBuild.objects.filter(event=event, pk__gt=after)
            .exclude(status__in=[BookBuild.Status.QUEUED, BookBuild.Status.RUNNING])
            .order_by("pk")
            .first()
        )
        if build is not None:
            return build
        time.sleep(0.25)
    raise AssertionError(f"no build finished in {seconds} s: {list(event.book_builds.values())}")


def download(event: Event) -> bytes:
    response = Client().get(f"/events/{event.slug}/book.pdf")
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


@pytest.mark.worker
def test_a_change_builds_a_new_book_after_the_indexes_and_the_event_page_links_it(celery_worker_process):
    event = import_demo_event()
    first = wait_for_build(event)
    assert first.status == BookBuild.Status.SUCCEEDED, first.error
    assert first.revision == Event.objects.get(pk=event.pk).revision
    assert first.pages > 50 and first.size > 100_000 and first.seconds > 0
    assert first.slices_rendered == first.slices_total > 0
    page = Client().get(f"/events/{event.slug}/").content.decode()
    assert f"/events/{event.slug}/book.pdf" in page
    first_pdf = download(event)

    abstract = Abstract.objects.get(event=event, code="PS-46")
    abstract_set_status(abstract_id=abstract.pk, status=Abstract.Status.WITHDRAWN)
    second = wait_for_build(event, after=first.pk)
    assert second.status == BookBuild.Status.SUCCEEDED, second.error
    assert second.revision > first.revision
    assert len(second.page_numbers) == len(first.page_numbers) - 1
    assert str(abstract.pk) not in second.page_numbers
    assert second.pdf.name != first.pdf.name, "each build writes a new file"
    assert 0 < second.slices_rendered < second.slices_total, "unchanged slices were reused"
    assert download(event) != first_pdf

    # Asking again with nothing changed builds nothing.
    book_build_request(event_id=event.pk)
    third = wait_for_build(event, after=second.pk)
    assert third.status == BookBuild.Status.SKIPPED
    assert download(event) == second.pdf.open("rb").read()


def test_a_failed_build_keeps_the_last_good_pdf_and_says_why(settings):
    event = import_demo_event()
    good = build_book_now(event, processes=1).build
    good_pdf = download(event)
    Abstract.objects.filter(event=event, code="PS-01").update(title="Changed after the first book")

    # The slice folder cannot be created: a file is in its way (as on a full or read-only disk).
    folder = parts_dir(event.pk)
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    folder.write_text("in the way")
    with pytest.raises(OSError):
        build_book_now(event, processes=1)
    # Another build may have been queued meanwhile (after the demo's indexes); the one that ran is not.
    failed = (
        BookBuild.objects.filter(event=event, pk__gt=good.pk).exclude(status=BookBuild.Status.QUEUED).get()
    )
    assert failed.status == BookBuild.Status.FAILED
    assert "Errno" in failed.error or "directory" in failed.error.lower(), failed.error
    assert download(event) == good_pdf
    builds_page = _organiser_client(event).get(f"/events/{event.slug}/book/builds/").content.decode()
    assert failed.error[:40] in builds_page

    folder.unlink()
    again = build_book_now(event, processes=1).build
    assert again.status == BookBuild.Status.SUCCEEDED and again.pk != good.pk


def _organiser_client(event) -> Client:
    from django.contrib.auth import get_user_model

    from conference.models import EventRole

    user = get_user_model().objects.create_user("organiser", password="x")
    EventRole.objects.create(event=event, user=user, role="organiser")
    client = Client()
    client.force_login(user)
    return client


def _start_worker(queue: str, log_name: str, **env) -> subprocess.Popen:
    log_path = ROOT / "test-artifacts" / log_name
    log_path.parent.mkdir(exist_ok=True)
    command = [
        sys.executable, "-m", "celery", "-A", "conference", "worker", "--loglevel=INFO", "--concurrency=1",
        "--without-gossip", "--without-mingle", "-Q", queue, "-n", f"{log_name}@%h",
    ]  # fmt: skip
    environment = {
        **os.environ,
        "DATABASE_URL": _database_url_for_tests(),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        **env,
    }
    with open(log_path, "w") as log:
        worker = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    _wait_for_worker(worker, log_path)
    return worker


@pytest.fixture
def own_queue(celery_queue):
    """A queue only the workers of this test consume (not the session's worker)."""
    queue = f"{celery_queue}-own"
    celery_app.conf.task_default_queue = queue
    yield queue
    celery_app.conf.task_default_queue = celery_queue
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge(queue)


@pytest.mark.worker
def test_a_worker_killed_in_the_middle_of_a_build_loses_nothing(own_queue, settings):
    event = import_demo_event()
    call_command("build_book", event.slug, stdout=StringIO())
    good_pdf = download(event)
    Abstract.objects.filter(event=event).update(title="Retitled")  # every slice changes
    Event.objects.filter(pk=event.pk).update(revision=F("revision") + 1)

    # One abstract per slice, so the build takes long enough to be caught in the middle.
    worker = _start_worker(own_queue, "celery-worker-killed.log", BOOK_SLICE_SIZE="1")
    try:
        build = book_build_request(event_id=event.pk, forced=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            build.refresh_from_db()
            if build.status == BookBuild.Status.RUNNING and build.slices_rendered >= 3:
                break
            time.sleep(0.05)
        assert build.status == BookBuild.Status.RUNNING, build.status
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    finally:
        if worker.poll() is None:
            _stop(worker)
    build.refresh_from_db()
    assert build.status == BookBuild.Status.RUNNING and build.slices_rendered < build.slices_total
    assert download(event) == good_pdf, "the previous PDF is still what one downloads"

    settings.BOOK_STALE_SECONDS = 0
    book_reconcile()  # what beat runs every minute
    build.refresh_from_db()
    assert build.status == BookBuild.Status.FAILED and "worker stopped answering" in build.error
    assert download(event) == good_pdf

    worker = _start_worker(own_queue, "celery-worker-restarted.log", BOOK_SLICE_SIZE="1")
    try:
        after = wait_for_build(event, after=build.pk)
    finally:
        _stop(worker)
    assert after.status == BookBuild.Status.SUCCEEDED, after.error
    assert after.slices_rendered < after.slices_total, "slices laid out before the kill were reused"
    pdf = download(event)
    assert pdf != good_pdf
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages[:8])
    assert "Retitled" in text
    assert Path(after.pdf.path).exists()
