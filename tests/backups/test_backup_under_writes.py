# ruff: noqa: S608 - SQL on the restored database, with table names from the models' Meta
"""A backup taken while submissions are being written (issue 8): scripts/backup runs while writer threads
keep submitting abstracts through the submission service, and the restore holds one moment of the
database: every abstract whole (its authors, their affiliations, its keywords, its audit entry), per
writer a gap-free run of its submissions, as many abstracts as some moment between the backup's start
and its end, and every table as the manifest counts it.

PostgreSQL: pg_dump and the manifest's row counts read one exported snapshot. SQLite: the script calls
``Connection.backup`` with its default ``pages=-1``, one ``sqlite3_backup_step(-1)`` that copies every
page inside one read transaction; in WAL mode a writer's commits during the copy go to the WAL past that
transaction's read mark, so the copy is the database as it was when the step began (measured on a 40 MB
file: 12 commits during a 0.08 s copy, the copy whole). Copied a few pages per step instead, the backup
restarts after each commit and, under writes this steady, never finishes.
"""

import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, connections
from django.utils import timezone

from abstracts.models import (
    Abstract,
    AbstractKeyword,
    Affiliation,
    AuthorAffiliation,
    Authorship,
    Keyword,
    Person,
)
from abstracts.services import abstract_save
from abstracts.submission import AuthorEntry, SubmissionContent
from audit.models import AuditEntry
from conference.models import Event
from tests.api.conftest import make_user
from tests.backups.test_backup_restore import RestoreTarget, backed_up, checksums, run
from tests.conftest import _database_url_for_tests
from tests.factories import make_event

pytestmark = pytest.mark.django_db(transaction=True)

WRITERS = 3
SHARED_AFFILIATIONS = ("Forschungszentrum Jülich", "RWTH Aachen")
SHARED_KEYWORD = "Imaging"
# Book PDFs in MEDIA_ROOT: archiving them after the database keeps the backup running for a while after
# its snapshot, so the writers commit some submissions the backup must leave out.
MEDIA_FILES = {f"books/meeting/book-{n}.pdf": 2_000_000 for n in range(1, 5)}


def submission(writer: int, number: int) -> SubmissionContent:
    """Writer ``writer``'s ``number``-th abstract: three authors, four affiliations, three keywords.

    Ada is the same person in all of a writer's abstracts; the other two are new each time. The shared
    affiliations and keyword exist before the writers start, so no two writers create one at once.
    """
    tag = f"{writer}-{number}"
    return SubmissionContent(
        title=f"Writer {writer} submission {number}",
        text=f"We measured sample {tag} twice, with CO<sub>2</sub> and without.",
        authors=(
            AuthorEntry(
                first_name="Ada",
                last_name=f"Lovelace {writer}",
                email=f"ada.{writer}@example.org",
                affiliations=(SHARED_AFFILIATIONS[0], f"Lab {writer}"),
                is_presenting=True,
            ),
            AuthorEntry(
                first_name="Grace",
                last_name=f"Hopper {tag}",
                email=f"grace.{tag}@example.org",
                affiliations=(f"Institute {tag}",),
            ),
            AuthorEntry(
                first_name="Emmy",
                last_name=f"Noether {tag}",
                affiliations=(SHARED_AFFILIATIONS[1], f"Institute {tag}"),
            ),
        ),
        keywords=(SHARED_KEYWORD, f"Topic {tag}", f"Method {writer}"),
    )


def as_stored(content: SubmissionContent) -> tuple:
    """What a complete submission of ``content`` leaves in the database, in the shape ``stored`` reads."""
    return (
        content.text,
        "submitted",
        tuple((a.first_name, a.last_name, a.email, a.is_presenting, a.affiliations) for a in content.authors),
        content.keywords,
        1,  # its audit entry: draft → submitted
    )


@dataclass
class Writers:
    """Threads that each submit one abstract after another through ``abstract_save`` until stopped."""

    event: Event
    submitters: dict[int, User]
    # (writer, number, monotonic time the call began, monotonic time it returned, i.e. after the commit)
    committed: list[tuple[int, int, float, float]] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        for writer in self.submitters:
            thread = threading.Thread(target=self._write, args=(writer,), name=f"writer-{writer}")
            thread.start()
            self.threads.append(thread)

    def _write(self, writer: int) -> None:
        try:
            number = 1
            while not self.stop.is_set():
                began = time.monotonic()
                abstract_save(
                    event=self.event,
                    submitter=self.submitters[writer],
                    content=submission(writer, number),
                    submit=True,
                )
                self.committed.append((writer, number, began, time.monotonic()))
                number += 1
        except BaseException as error:  # reported by the test, with the thread's name
            self.errors.append(error)
        finally:
            connections.close_all()

    def wait_for(self, count: int, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while len(self.committed) < count and not self.errors and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not self.errors, self.errors
        assert len(self.committed) >= count, f"the writers committed {len(self.committed)} in {seconds} s"

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(60)
        assert not any(thread.is_alive() for thread in self.threads), "a writer did not stop"
        assert not self.errors, self.errors


@pytest.fixture
def writers(celery_queue):
    """The writers' submission confirmations go to this run's own queue (celery_queue), emptied at its end."""
    now = timezone.now()
    event = make_event(call_opens_at=now - timedelta(days=1), call_deadline=now + timedelta(days=30))
    seed = make_user("seed@example.org")
    abstract_save(event=event, submitter=seed, content=submission(0, 1), submit=True)
    assert sorted(Affiliation.objects.filter(event=event).values_list("name", flat=True)) == sorted(
        [*SHARED_AFFILIATIONS, "Lab 0", "Institute 0-1"]
    )
    team = Writers(event, {n: make_user(f"writer.{n}@example.org") for n in range(1, WRITERS + 1)})
    yield team
    team.stop.set()
    for thread in team.threads:
        thread.join(60)


@pytest.fixture
def target(tmp_path):
    restore_target = RestoreTarget(tmp_path)
    yield restore_target
    restore_target.drop()


def open_restored(target: RestoreTarget):
    if connection.vendor == "sqlite":
        return sqlite3.connect(target.path)
    return psycopg2.connect(dbname=target.name, **target.admin)


def stored(database) -> dict[str, tuple]:
    """Every abstract of a database, by title, as ``as_stored`` shapes it; read with plain SQL."""

    def rows(sql: str) -> list[tuple]:
        cursor = database.cursor()
        try:
            cursor.execute(sql)
            return cursor.fetchall()
        finally:
            cursor.close()

    abstract, authorship, person, link, affiliation, keyword_link, keyword, audit = (
        model._meta.db_table
        for model in (
            Abstract,
            Authorship,
            Person,
            AuthorAffiliation,
            Affiliation,
            AbstractKeyword,
            Keyword,
            AuditEntry,
        )
    )
    affiliations: dict[int, list[str]] = {}
    for authorship_id, name in rows(
        f'SELECT l.authorship_id, f.name FROM "{link}" l JOIN "{affiliation}" f ON f.id = l.affiliation_id '
        "ORDER BY l.authorship_id, l.position"
    ):
        affiliations.setdefault(authorship_id, []).append(name)
    authors: dict[int, list[tuple]] = {}
    for abstract_id, authorship_id, first, last, email, presenting in rows(
        f"SELECT s.abstract_id, s.id, p.first_name, p.last_name, p.email, s.is_presenting "
        f'FROM "{authorship}" s JOIN "{person}" p ON p.id = s.person_id ORDER BY s.abstract_id, s.position'
    ):
        authors.setdefault(abstract_id, []).append(
            (first, last, email, bool(presenting), tuple(affiliations.get(authorship_id, ())))
        )
    keywords: dict[int, list[str]] = {}
    for abstract_id, label in rows(
        f'SELECT k.abstract_id, w.label FROM "{keyword_link}" k JOIN "{keyword}" w ON w.id = k.keyword_id '
        "ORDER BY k.abstract_id, k.position"
    ):
        keywords.setdefault(abstract_id, []).append(label)
    audits: dict[int, int] = dict(
        rows(
            f'SELECT abstract_id, COUNT(*) FROM "{audit}" WHERE abstract_id IS NOT NULL GROUP BY abstract_id'
        )
    )
    return {
        title: (text, status, tuple(authors.get(pk, ())), tuple(keywords.get(pk, ())), audits.get(pk, 0))
        for pk, title, text, status in rows(f'SELECT id, title, text, status FROM "{abstract}"')
    }


def write_media(media_root: Path) -> None:
    for name, size in MEDIA_FILES.items():
        path = media_root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(size))  # incompressible, like a PDF's streams


def test_a_backup_taken_while_abstracts_are_submitted_restores_one_consistent_moment(
    writers, target, tmp_path
):
    media = tmp_path / "media"
    write_media(media)
    here = {"DATABASE_URL": _database_url_for_tests(), "MEDIA_ROOT": str(media)}
    writers.start()
    writers.wait_for(2 * WRITERS)

    before = Abstract.objects.count()
    started = time.monotonic()
    backup = run("backup", str(tmp_path / "backups"), env=here)
    ended = time.monotonic()
    after = Abstract.objects.count()
    writers.finish()

    assert backup.returncode == 0, backup.stderr
    [folder] = (tmp_path / "backups").iterdir()
    restore = run("restore", str(folder), env=target.env)
    assert restore.returncode == 0, restore.stderr
    assert "restored and checked" in restore.stdout
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert target.counts() == backed_up(folder)["rows"]
    assert checksums(target.media) == manifest["media"] == checksums(media)
    assert sorted(manifest["media"]) == sorted(MEDIA_FILES)

    database = open_restored(target)
    try:
        restored = stored(database)
    finally:
        database.close()
    # The writers committed while the backup ran, and some of it before its snapshot, some after.
    during = [entry for entry in writers.committed if started < entry[2] and entry[3] < ended]
    assert len(during) >= WRITERS, f"{len(during)} submissions committed while the backup ran"
    assert before < len(restored) < after, (before, len(restored), after)
    assert len(restored) == manifest["rows"][Abstract._meta.db_table]
    # Every restored abstract is whole, and each writer's are its first n, none missing in between.
    expected = {
        submission(writer, number).title: as_stored(submission(writer, number))
        for writer, number, _began, _returned in [(0, 1, 0, 0), *writers.committed]
    }
    assert set(restored) <= set(expected), set(restored) - set(expected)
    assert restored == {title: expected[title] for title in restored}
    for writer in range(WRITERS + 1):
        numbers = sorted(
            int(title.rsplit(" ", 1)[1]) for title in restored if title.startswith(f"Writer {writer} ")
        )
        assert numbers == list(range(1, len(numbers) + 1)), (writer, numbers)
    print(
        f"{settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}: backup {ended - started:.2f} s, "
        f"{len(writers.committed)} submissions written, {len(during)} while the backup ran; "
        f"abstracts before {before}, restored {len(restored)}, after {after}"
    )
