"""The disk for media fills up, or turns read-only, during book builds: the build fails saying why in a
sentence, the previous PDF stays downloadable, and the next build once the disk is fine succeeds.

Real, not mocked: MEDIA_ROOT is a small tmpfs mounted for this test, filled to the last byte with a
file (ENOSPC), then remounted read-only (EROFS); the builds run in a Celery worker as in production.
"""

import errno
import io
import subprocess
import uuid
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db.models import F
from django.test import Client
from pypdf import PdfReader

from abstracts.models import Abstract, Affiliation
from books.models import BookBuild
from books.services import book_build_request
from conference.celery import app as celery_app
from conference.models import Event, EventRole
from tests.conftest import _database_url_for_tests, _stop
from tests.factories import make_abstract, make_event, make_person, make_session
from tests.faults.conftest import environment, start_worker, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _mount(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["mount", *args], capture_output=True, text=True, check=False)


@pytest.fixture
def small_media_disk(tmp_path, settings):
    """A 16 MB tmpfs as MEDIA_ROOT, for this process and the worker the test starts."""
    disk = tmp_path / "media-disk"
    disk.mkdir()
    mounted = _mount("-t", "tmpfs", "-o", "size=16m,mode=0755", "tmpfs", str(disk))
    if mounted.returncode != 0:
        pytest.skip(f"a disk that can fill up needs a tmpfs mount (root): {mounted.stderr.strip()}")
    settings.MEDIA_ROOT = disk
    try:
        yield disk
    finally:
        if subprocess.run(["umount", str(disk)], capture_output=True, check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(disk)], capture_output=True, check=False)


@pytest.fixture
def own_queue(celery_queue):
    queue = f"{celery_queue}-disk-{uuid.uuid4().hex[:6]}"
    celery_app.conf.task_default_queue = queue
    yield queue
    celery_app.conf.task_default_queue = celery_queue
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge(queue)


def fill(disk: Path) -> Path:
    """Write a file until the disk has no byte left."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as file:
        try:
            while True:
                file.write(b"\0" * 65536)  # unbuffered: a short write, then ENOSPC
        except OSError as error:
            assert error.errno == errno.ENOSPC, error
    return filler


def build_now(event: Event, *, after: int = 0) -> BookBuild:
    """Ask the worker for a build and wait for it to finish, whichever way."""
    book_build_request(event_id=event.pk, forced=True)

    def finished() -> BookBuild | None:
        return (
            BookBuild.objects.filter(event=event, pk__gt=after)
            .exclude(status__in=[BookBuild.Status.QUEUED, BookBuild.Status.RUNNING])
            .order_by("pk")
            .first()
        )

    return wait_until(finished, seconds=180, what="the book build finishing")


def download(event: Event) -> bytes:
    response = Client().get(f"/events/{event.slug}/book.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


def small_event() -> Event:
    event = make_event(name="Full Disk Symposium", is_published=True)
    session = make_session(event, "Storage", 1)
    jülich = Affiliation.objects.create(event=event, name="Forschungszentrum Jülich")
    for n, surname in enumerate(["Lovelace", "Hopper", "Meitner"], 1):
        make_abstract(
            event,
            authors=[(make_person(event, last_name=surname), [jülich])],
            presenting=0,
            keywords=["storage"],
            title=f"Writing to disks {n}",
            code=f"P{n}",
            session=session,
        )
    return event


def test_a_full_or_read_only_media_disk_fails_the_build_with_a_reason_and_keeps_the_last_pdf(
    small_media_disk, own_queue, django_db_blocker
):
    disk = small_media_disk
    event = small_event()
    with django_db_blocker.unblock():
        database_url = _database_url_for_tests()
    env = environment(
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(disk),
        CELERY_TASK_DEFAULT_QUEUE=own_queue,
        BOOK_COALESCE_SECONDS="0",
    )
    worker = start_worker(env, "faults-disk-worker.log", queue=own_queue)
    try:
        good = build_now(event)
        assert good.status == BookBuild.Status.SUCCEEDED, good.error
        good_pdf = download(event)

        def change(title: str) -> None:
            Abstract.objects.filter(event=event, code="P1").update(title=title)
            Event.objects.filter(pk=event.pk).update(revision=F("revision") + 1)

        change("Written when the disk was full")
        filler = fill(disk)
        full = build_now(event, after=good.pk)
        assert full.status == BookBuild.Status.FAILED
        assert full.error.startswith("Could not write the book file: No space left on device ("), full.error
        assert str(disk) in full.error
        assert download(event) == good_pdf

        filler.unlink()
        assert _mount("-o", "remount,ro", str(disk)).returncode == 0
        try:
            read_only = build_now(event, after=full.pk)
        finally:
            assert _mount("-o", "remount,rw", str(disk)).returncode == 0
        assert read_only.status == BookBuild.Status.FAILED
        assert read_only.error.startswith("Could not write the book file: Read-only file system ("), (
            read_only.error
        )
        assert download(event) == good_pdf

        organiser = User.objects.create_user("organiser@example.org")
        EventRole.objects.create(event=event, user=organiser, role="organiser")
        client = Client()
        client.force_login(organiser)
        builds_page = client.get(f"/events/{event.slug}/book/builds/").content.decode()
        assert "Could not write the book file: No space left on device" in builds_page

        again = build_now(event, after=read_only.pk)
        assert again.status == BookBuild.Status.SUCCEEDED, again.error
        pdf = download(event)
        assert pdf != good_pdf
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
        assert "Written when the disk was full" in text
    finally:
        _stop(worker)
