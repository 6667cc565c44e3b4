"""Redis (broker, cache and result store) stops during submissions: every save succeeds, and the
indexes and the book catch up by themselves when it is back.

The app runs as in production: gunicorn, and a Celery worker with beat inside it, both on a Redis of
the test's own, which the test stops and starts again on the same port. The embedded default has no
Redis; its broker-down analogue is tests/indexes/test_pipeline.py (the broker pointed at a dead port).
"""

from pathlib import Path

import pytest
import requests
from django.conf import settings

from abstracts.models import Abstract
from books.models import BookBuild
from conference.models import Event
from indexes.models import AuthorIndexEntry, IndexState
from tests.conftest import ARTIFACTS, _database_url_for_tests, _stop
from tests.faults.conftest import (
    environment,
    log_has,
    start_gunicorn,
    start_worker,
    stored_intact,
    submit_through_api,
    submit_through_form,
    wait_until,
    web_login,
)

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL.startswith("redis"),
        reason="a Redis outage needs Redis as the broker (the PostgreSQL + Redis pass sets "
        "CELERY_BROKER_URL); the file-system broker's analogue is tests/indexes/test_pipeline.py",
    ),
]

QUEUE = "faults-redis"


@pytest.fixture
def app_on_private_redis(private_redis, django_db_blocker, tmp_path):
    """gunicorn and a worker (with beat) whose broker, cache and results are ``private_redis``."""
    with django_db_blocker.unblock():
        database_url = _database_url_for_tests()
    env = environment(
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=private_redis.url(0),
        REDIS_URL=private_redis.url(1),
        CELERY_RESULT_BACKEND=private_redis.url(1),
        CELERY_TASK_DEFAULT_QUEUE=QUEUE,
        INDEXES_RECONCILE_SECONDS="2",  # beat looks for indexes behind their event this often
        BOOK_RECONCILE_SECONDS="2",
        INDEXES_COALESCE_SECONDS="0",
        BOOK_COALESCE_SECONDS="0",
    )
    server, url = start_gunicorn(env, "faults-redis-gunicorn.log")
    worker = start_worker(env, "faults-redis-worker.log", queue=QUEUE, beat_schedule=tmp_path / "beat")
    try:
        # (A Celery client here would not do: Celery reads CELERY_BROKER_URL from the environment first.)
        wait_until(
            lambda: worker.poll() is None and log_has(ARTIFACTS / "faults-redis-worker.log", r"@\S+ ready\."),
            seconds=90,
            what="the worker connecting to the private Redis",
        )
        yield url, server, worker
    finally:
        _stop(worker)
        _stop(server)


def test_submissions_save_while_redis_is_down_and_the_indexes_and_book_catch_up(
    open_call, private_redis, app_on_private_redis, mail_folder
):
    url, server, worker = app_on_private_redis
    event = open_call.event
    organiser = {"Authorization": f"Token {open_call.organiser_token}"}

    private_redis.stop()

    # Signing in, the submission form and the API all work without Redis.
    browser = web_login(url, open_call.submitter.email)
    response = submit_through_form(browser, url, event, "Saved through the form while Redis was down")
    assert response.status_code == 302, response.text[:3000]
    assert stored_intact("Saved through the form while Redis was down")
    response = submit_through_api(
        url, open_call.submitter_token, event, "Saved through the API while Redis was down"
    )
    assert response.status_code == 201, response.text[:3000]
    assert stored_intact("Saved through the API while Redis was down")
    assert requests.get(f"{url}/events/{event.slug}/", timeout=30).status_code == 200

    # Decisions change what the book prints; no rebuild can be queued, and none is marked queued.
    for abstract in Abstract.objects.filter(event=event):
        decided = requests.post(
            f"{url}/api/v1/abstracts/{abstract.pk}/decide/",
            json={"status": "accepted"},
            headers=organiser,
            timeout=30,
        )
        assert decided.status_code == 200, decided.text[:3000]
    event.refresh_from_db()
    state = IndexState.objects.filter(event=event).first()
    assert state is None or (state.built_revision != event.revision and state.queued_at is None)
    assert not BookBuild.objects.filter(event=event, status=BookBuild.Status.SUCCEEDED).exists()

    health = requests.get(f"{url}/health/", timeout=30)
    assert health.status_code == 503
    checks = health.json()["checks"]
    assert checks["database"]["ok"] and not checks["cache"]["ok"] and not checks["broker"]["ok"]
    assert "Connection refused" in checks["cache"]["detail"], checks["cache"]

    private_redis.start()  # same port, empty: nothing queued survived

    # Beat's reconcile finds the indexes behind and queues a rebuild; the book follows the indexes.
    def indexes_current() -> bool:
        event.refresh_from_db()
        return IndexState.objects.filter(event=event, built_revision=event.revision, queued_at=None).exists()

    wait_until(indexes_current, seconds=120, what="the indexes catching up after Redis came back")
    labels = set(AuthorIndexEntry.objects.filter(event=event).values_list("surname", flat=True))
    assert labels == {"Lovelace", "Hopper", "Meitner"}
    book = wait_until(
        lambda: BookBuild.objects.filter(
            event=event, revision=event.revision, status=BookBuild.Status.SUCCEEDED
        ).first(),
        seconds=120,
        what="a book of the current revision",
    )
    assert book.page_numbers and len(book.page_numbers) == 2
    pdf = requests.get(f"{url}/events/{event.slug}/book.pdf", timeout=30)
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"

    # The same gunicorn queues tasks again: a new submission's confirmation e-mail is sent by the worker.
    response = submit_through_form(browser, url, event, "Saved after Redis came back")
    assert response.status_code == 302 and stored_intact("Saved after Redis came back")
    assert server.poll() is None and worker.poll() is None
    health = wait_until(
        lambda: (answer := requests.get(f"{url}/health/", timeout=30)).status_code == 200 and answer,
        seconds=30,
        what="/health/ answering 200",
    )
    assert all(check["ok"] for check in health.json()["checks"].values())
    mail_log = ARTIFACTS / "faults-redis-worker.log"
    wait_until(
        lambda: "Abstract received: Saved after Redis came back" in _mails(mail_folder),
        seconds=60,
        what=f"the confirmation e-mail of the submission after Redis came back (see {mail_log})",
    )
    assert Event.objects.get(pk=event.pk).revision == event.revision


def _mails(folder: Path) -> str:
    return "".join(path.read_text(errors="replace") for path in folder.iterdir() if path.is_file())
