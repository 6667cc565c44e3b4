"""Data and workers for the decision letters' tests."""

import contextlib
import os
import subprocess
import sys
import time
import uuid
from email import message_from_string

import pytest
from django.contrib.auth.models import User

from abstracts.models import Abstract, Affiliation
from conference.celery import app as celery_app
from conference.models import EventRole
from conference.tasks import ping
from tests.conftest import ARTIFACTS, ROOT, _database_url_for_tests, _free_port, _stop
from tests.factories import make_abstract, make_event, make_person, make_session

ORGANISER_PASSWORD = "organise the meeting 1"


def decided_event(tag: str, *, accepted: int = 3, rejected: int = 1):
    """A published event with an organiser and decided abstracts, each submitted by an account of
    its own (``<tag>-a1@example.org`` …, ``<tag>-r1@example.org`` …); accepted ones have a code and a
    session. Returns (event, organiser)."""
    event = make_event(name=f"Letters Meeting {tag}", is_published=True, poster_code_pattern="PS{n:02d}")
    sessions = [make_session(event, "Biomedicine", 1), make_session(event, "Earth", 2)]
    affiliation = Affiliation.objects.create(event=event, name="Forschungszentrum Jülich")
    organiser = User.objects.create_user(
        f"{tag}-olga@example.org", f"{tag}-olga@example.org", ORGANISER_PASSWORD
    )
    EventRole.objects.create(event=event, user=organiser, role="organiser")
    for kind, count in (("a", accepted), ("r", rejected)):
        for n in range(1, count + 1):
            submitter = User.objects.create_user(
                f"{tag}-{kind}{n}@example.org",
                f"{tag}-{kind}{n}@example.org",
                None,
                first_name=f"Sub{kind}{n}",
            )
            people = [
                (make_person(event, first_name="Eva", last_name=f"First{kind}{n}"), [affiliation]),
                (make_person(event, first_name="Jan", last_name=f"Second{kind}{n}"), [affiliation]),
            ]
            make_abstract(
                event,
                authors=people,
                presenting=1,
                submitter=submitter,
                title=f"<i>In vivo</i> study {kind}{n}",
                status=Abstract.Status.ACCEPTED if kind == "a" else Abstract.Status.REJECTED,
                code=f"PS{n:02d}" if kind == "a" else "",
                session=sessions[(n - 1) % 2] if kind == "a" else None,
            )
    return event, organiser


def mails_to(folder, address: str) -> list:
    """E-mails the file-based backend wrote to ``address`` (one file per connection, 79 dashes between)."""
    found = []
    for path in sorted(folder.glob("*.log")):
        for part in path.read_text().split("-" * 79):
            message = message_from_string(part.strip()) if part.strip() else None
            if message is not None and message["To"] == address:
                found.append(message)
    return found


def wait_until(condition, seconds: float = 60, step: float = 0.2) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


@contextlib.contextmanager
def tasks_go_to(queue: str):
    """Tasks sent from this process go to ``queue`` while inside (the app reads the default queue
    each time it sends)."""
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    try:
        yield queue
    finally:
        celery_app.conf.task_default_queue = previous


def purge(queue: str) -> None:
    with celery_app.connection_for_write() as connection_:
        connection_.default_channel.queue_purge(queue)


@pytest.fixture
def own_worker(django_db_setup, django_db_blocker):
    """Start a worker of this test's own, on a queue of its own, with extra environment:
    ``with own_worker(EMAIL_PORT="1", concurrency=4) as queue: ...``."""
    with django_db_blocker.unblock():
        database_url = _database_url_for_tests()
    started = []

    @contextlib.contextmanager
    def start(concurrency: int = 1, **environment: str):
        queue = f"letters-{uuid.uuid4().hex[:8]}"
        ARTIFACTS.mkdir(exist_ok=True)
        log_path = ARTIFACTS / f"celery-worker-{queue}.log"
        env = {**os.environ, **environment, "DATABASE_URL": database_url, "CELERY_TASK_DEFAULT_QUEUE": queue}
        command = [sys.executable, "-m", "celery", "-A", "conference", "worker", "--loglevel=INFO"]
        command += [f"--concurrency={concurrency}", "--without-gossip", "--without-mingle", "-Q", queue]
        command += ["-n", f"{queue}@%h"]
        with open(log_path, "w") as log:
            worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        started.append((worker, queue))
        answer = ping.apply_async(queue=queue, expires=90)
        if not wait_until(lambda: answer.ready() or worker.poll() is not None, seconds=90):
            raise RuntimeError(f"the worker did not answer:\n{log_path.read_text()}")
        if worker.poll() is not None:
            raise RuntimeError(f"the worker exited ({worker.returncode}):\n{log_path.read_text()}")
        with tasks_go_to(queue):
            yield queue

    yield start
    for worker, queue in started:
        _stop(worker)
        purge(queue)


def free_closed_port() -> int:
    """A port nothing listens on: connecting to it is refused at once."""
    return _free_port()
