"""scripts/backup and scripts/restore: a populated database and its media, backed up, restored into a new
empty database and MEDIA_ROOT, and found the same: every model's row count, every file's checksum."""

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection

from abstracts.models import Abstract
from books.models import BookBuild
from decisions.models import Letter
from decisions.services import letters_queue
from reviews.models import Review
from tests.access.world import PDF, build_world
from tests.conftest import ROOT, _database_url_for_tests

pytestmark = pytest.mark.django_db(transaction=True)


def run(script: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / script), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def checksums(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def model_tables() -> list[str]:
    return sorted({model._meta.db_table for model in apps.get_models(include_auto_created=True)})


def backed_up(folder: Path) -> dict:
    """What the backup says it holds: rows per model table and media checksums, taken from one snapshot.

    The tests compare with this, not with the live database: the run's Celery worker may still be
    rebuilding indexes and books of earlier changes while a test runs.
    """
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return {"rows": {table: manifest["rows"][table] for table in model_tables()}, "media": manifest["media"]}


class RestoreTarget:
    """A new, empty database of the same kind as the test database, and an empty MEDIA_ROOT."""

    def __init__(self, tmp_path: Path) -> None:
        self.media = tmp_path / "restored-media"
        params = connection.settings_dict
        if connection.vendor == "sqlite":
            self.path = tmp_path / "restored.sqlite3"
            self.url = f"sqlite:///{self.path}"
            return
        self.name = f"{params['NAME']}_restore"
        self.admin = {
            "host": params.get("HOST") or "localhost",
            "port": params.get("PORT") or 5432,
            "user": params.get("USER"),
            "password": params.get("PASSWORD") or None,
        }
        self._admin_sql(f'DROP DATABASE IF EXISTS "{self.name}"', f'CREATE DATABASE "{self.name}"')
        self.url = _database_url_for_tests().rsplit("/", 1)[0] + f"/{self.name}"

    @property
    def env(self) -> dict[str, str]:
        return {"DATABASE_URL": self.url, "MEDIA_ROOT": str(self.media)}

    def counts(self) -> dict[str, int]:
        tables = model_tables()
        if connection.vendor == "sqlite":
            with sqlite3.connect(self.path) as restored:
                return {t: restored.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608
        restored = psycopg2.connect(dbname=self.name, **self.admin)
        try:
            with restored.cursor() as cursor:
                counts = {}
                for table in tables:
                    cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - model tables
                    counts[table] = cursor.fetchone()[0]
                return counts
        finally:
            restored.close()

    def _admin_sql(self, *statements: str) -> None:
        admin = psycopg2.connect(dbname="postgres", **self.admin)
        admin.autocommit = True
        try:
            with admin.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        finally:
            admin.close()

    def drop(self) -> None:
        if connection.vendor != "sqlite":
            self._admin_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture
def target(tmp_path):
    restore_target = RestoreTarget(tmp_path)
    yield restore_target
    restore_target.drop()


@pytest.fixture
def populated():
    """Abstracts in every state with their people, affiliations and keywords, reviews, decision letters,
    and built books whose PDFs are in MEDIA_ROOT."""
    world = build_world()
    report = letters_queue(event=world.published, decision="accepted", actor=world.users["organiser"])
    assert report.queued == 1
    return world


def test_a_backup_restored_into_an_empty_database_has_every_row_and_file(populated, target, tmp_path):
    here = {"DATABASE_URL": _database_url_for_tests(), "MEDIA_ROOT": str(settings.MEDIA_ROOT)}

    backup = run("backup", str(tmp_path / "backups"), env=here)
    assert backup.returncode == 0, backup.stderr
    [folder] = (tmp_path / "backups").iterdir()
    dump = "database.sqlite3" if connection.vendor == "sqlite" else "database.dump"
    assert sorted(path.name for path in folder.iterdir()) == sorted([dump, "manifest.json", "media.tar.gz"])
    restore = run("restore", str(folder), env=target.env)

    assert restore.returncode == 0, restore.stderr
    assert "restored and checked" in restore.stdout
    original = backed_up(folder)
    assert all(
        original["rows"][table] > 0 for table in ("abstracts_abstract", "abstracts_person", "reviews_review")
    )
    assert original["rows"][Letter._meta.db_table] == 1 and original["rows"][BookBuild._meta.db_table] >= 2
    assert target.counts() == original["rows"]
    restored_media = checksums(target.media)
    assert restored_media == original["media"]
    assert hashlib.sha256(PDF).hexdigest() in restored_media.values()
    assert Abstract.objects.count() == 6 and Review.objects.count() == 1  # the original is untouched


def test_restore_refuses_a_database_or_media_that_are_not_empty_unless_forced(populated, target, tmp_path):
    here = {"DATABASE_URL": _database_url_for_tests(), "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    assert run("backup", str(tmp_path / "backups"), env=here).returncode == 0
    [folder] = (tmp_path / "backups").iterdir()
    assert run("restore", str(folder), env=target.env).returncode == 0

    again = run("restore", str(folder), env=target.env)
    forced = run("restore", str(folder), "--force", env=target.env)

    assert again.returncode == 1
    assert "tables and MEDIA_ROOT" in again.stderr
    assert "restore into an empty database and MEDIA_ROOT, or pass --force" in again.stderr
    assert forced.returncode == 0, forced.stderr
    assert target.counts() == backed_up(folder)["rows"]
    assert checksums(target.media) == backed_up(folder)["media"]


def test_the_check_names_what_differs_from_the_backup(populated, target, tmp_path):
    here = {"DATABASE_URL": _database_url_for_tests(), "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    assert run("backup", str(tmp_path / "backups"), env=here).returncode == 0
    [folder] = (tmp_path / "backups").iterdir()
    assert run("restore", str(folder), env=target.env).returncode == 0
    pdf = next(path for path in target.media.rglob("*.pdf") if path.read_bytes() == PDF)
    pdf.write_bytes(b"%PDF-1.4 tampered")
    Abstract.objects.filter(pk=populated.rival.pk).delete()  # the original changes too: --check reads here

    checked = run("restore", str(folder), "--check", env=target.env)
    checked_here = run("restore", str(folder), "--check", env=here)

    assert checked.returncode == 1
    assert (
        f"media {pdf.relative_to(target.media).as_posix()}: its content differs from the backup's"
        in checked.stderr
    )
    assert checked_here.returncode == 1
    assert "table abstracts_abstract: 5 rows, the backup has 6" in checked_here.stderr


def test_a_backup_of_the_wrong_kind_or_of_nothing_is_refused_with_a_message(tmp_path, target):
    empty = {"DATABASE_URL": f"sqlite:///{tmp_path / 'nothing.sqlite3'}", "MEDIA_ROOT": str(tmp_path / "m")}

    nothing = run("backup", str(tmp_path / "backups"), env=empty)
    not_a_backup = run("restore", str(tmp_path), env=target.env)

    assert nothing.returncode == 1
    assert "has none of the app's tables (is DATABASE_URL right? migrated?)" in nothing.stderr
    assert not (tmp_path / "backups").exists() or not any((tmp_path / "backups").iterdir())
    assert not_a_backup.returncode == 1
    assert f"{tmp_path} is not a backup: it has no manifest.json" in not_a_backup.stderr
