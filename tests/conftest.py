"""Fixtures shared by the whole suite: data factories, a live Celery worker, headless Chromium."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
import warnings
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from conference.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session", autouse=True)
def collected_static_files():
    """Pages are served as in production: hashed static files from a manifest, by WhiteNoise."""
    import hashlib

    from django.contrib.staticfiles.finders import get_finders
    from django.core.management import call_command

    # Collecting (hashing and compressing 40 MB) takes half a minute; skip it when no source changed.
    fingerprint = hashlib.sha256(settings.STORAGES["staticfiles"]["BACKEND"].encode())
    for finder in get_finders():
        for path, storage in sorted(finder.list([]), key=lambda found: found[0]):
            stat = os.stat(storage.path(path))
            fingerprint.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    marker = Path(settings.STATIC_ROOT) / ".collected-from"
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.exists() and marker.exists() and marker.read_text() == fingerprint.hexdigest():
        return
    call_command("collectstatic", interactive=False, verbosity=0)
    marker.write_text(fingerprint.hexdigest())


@pytest.fixture(scope="session", autouse=True)
def media_root(tmp_path_factory):
    """Uploaded files and built books of this run go to a folder of its own (workers and servers too)."""
    folder = tmp_path_factory.mktemp("media")
    previous = os.environ.get("MEDIA_ROOT")
    os.environ["MEDIA_ROOT"] = str(folder)
    settings.MEDIA_ROOT = folder
    yield folder
    if previous is None:
        os.environ.pop("MEDIA_ROOT", None)
    else:
        os.environ["MEDIA_ROOT"] = previous


@pytest.fixture(scope="session", autouse=True)
def mail_folder(tmp_path_factory):
    """E-mails sent by workers and servers of this run are written as files here.

    (In the test process itself Django keeps them in ``django.core.mail.outbox``.)
    """
    folder = tmp_path_factory.mktemp("mail")
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.filebased.EmailBackend"
    os.environ["EMAIL_FILE_PATH"] = str(folder)
    return folder


ACCOUNT_RATE_LIMIT_VARIABLES = (
    "LOGIN_FAILURES_PER_ACCOUNT",
    "LOGIN_FAILURES_PER_ADDRESS",
    "SIGNUPS_PER_ADDRESS",
    "PASSWORD_RESETS_PER_ADDRESS",
    "PASSWORD_RESETS_PER_ACCOUNT",
)


@pytest.fixture(scope="session", autouse=True)
def account_rate_limits_lifted():
    """Tests sign up and log in from 127.0.0.1 all run long, and runs share Redis: the brute-force
    limits (accounts/ratelimits.py) are off for them, here and in servers; tests/access sets its own."""
    from django.test import override_settings

    for variable in ACCOUNT_RATE_LIMIT_VARIABLES:
        os.environ[variable] = "0"
    lifted = {name: (0, seconds) for name, (_attempts, seconds) in settings.ACCOUNT_RATE_LIMITS.items()}
    with override_settings(ACCOUNT_RATE_LIMITS=lifted):
        yield


@pytest.fixture(scope="session")
def celery_queue():
    """A queue of this test run's own, so no other worker on the machine takes its tasks."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    celery_app.conf.task_default_queue = queue
    yield queue
    # Tasks sent but never consumed (no worker in that test) would pile up in the broker.
    with celery_app.connection_for_write() as connection_:
        connection_.default_channel.queue_purge(queue)


def _database_url_for_tests() -> str:
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    user = params.get("USER") or ""
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    host = params.get("HOST") or "localhost"
    port = f":{params['PORT']}" if params.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{params['NAME']}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def web_server(django_db_setup, django_db_blocker, celery_queue, collected_static_files):
    """The app under gunicorn, as in production, on the test database; yields its base URL.

    Tests that use it write their data with ``transactional_db`` so the server sees it.
    """
    with django_db_blocker.unblock():
        database_url = _database_url_for_tests()
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / "gunicorn.log"
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "CELERY_TASK_DEFAULT_QUEUE": celery_queue}
    command = [sys.executable, "-m", "gunicorn", "conference.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2"]
    with open(log_path, "w") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({server.returncode}):\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/health/", timeout=2):  # noqa: S310 - our own server
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not answer:\n{log_path.read_text()}") from None
                time.sleep(0.2)
        yield url
    finally:
        _stop(server)


class _SessionWorker:
    """The run's shared ``celery worker`` process, started on first use."""

    def __init__(self, database_url: str, queue: str) -> None:
        self.database_url = database_url
        self.queue = queue
        self.log_path = ARTIFACTS / "celery-worker.log"
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> subprocess.Popen:
        ARTIFACTS.mkdir(exist_ok=True)
        env = {**os.environ, "DATABASE_URL": self.database_url, "CELERY_TASK_DEFAULT_QUEUE": self.queue}
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "conference",
            "worker",
            "--loglevel=INFO",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "-Q",
            self.queue,
            "-n",
            f"{self.queue}-{self.starts}@%h",
        ]
        self.starts += 1
        with open(self.log_path, "a") as log:
            log.write(f"\n==== worker start {self.starts} ====\n")
            log.flush()
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        _wait_for_worker(self.process, self.log_path)
        return self.process

    def answering(self, seconds: float) -> bool:
        from conference.tasks import ping

        if self.process is None or self.process.poll() is not None:
            return False
        result = ping.apply_async(expires=seconds)
        try:
            return result.get(timeout=seconds) == "pong"
        except Exception:  # timed out, revoked or lost: not answering either way
            return False

    def log_tail(self, lines: int = 80) -> str:
        if not self.log_path.exists():
            return "(no worker log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture(scope="session")
def _session_worker(django_db_setup, django_db_blocker, celery_queue):
    with django_db_blocker.unblock():
        database_url = _database_url_for_tests()
    if (ARTIFACTS / "celery-worker.log").exists():
        (ARTIFACTS / "celery-worker.log").unlink()
    worker = _SessionWorker(database_url, celery_queue)
    yield worker
    if worker.process is not None:
        _stop(worker.process)


@pytest.fixture
def celery_worker_process(_session_worker: _SessionWorker, request):
    """A real ``celery worker`` process on the test database, consuming this run's queue.

    One process serves the whole run. If a test finds it gone or not answering, it is
    replaced and the run says so with the end of its log (a warning, and the log is kept in
    test-artifacts/), so one lost worker cannot fail every test that comes after it.
    """
    worker = _session_worker
    if worker.process is None:
        worker.start()
    elif not worker.answering(seconds=20):
        state = "exited" if worker.process.poll() is not None else "not answering"
        warnings.warn(
            f"the shared Celery worker was {state} before {request.node.nodeid}; "
            f"starting a new one. End of its log:\n{worker.log_tail()}",
            stacklevel=1,
        )
        _stop(worker.process)
        worker.start()
    request.node._celery_worker = worker
    return worker.process


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    worker = getattr(item, "_celery_worker", None)
    if worker is not None and report.failed:
        alive = worker.process is not None and worker.process.poll() is None
        report.sections.append(
            (
                "celery worker",
                f"alive: {alive}\nEnd of test-artifacts/celery-worker.log:\n{worker.log_tail()}",
            )
        )
    return report


def _wait_for_worker(worker: subprocess.Popen, log_path: Path, seconds: float = 90) -> None:
    from conference.tasks import ping

    deadline = time.monotonic() + seconds
    result = ping.apply_async(expires=seconds)
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"the Celery worker exited ({worker.returncode}):\n{log_path.read_text()}")
        if result.ready():
            assert result.get() == "pong"
            return
        time.sleep(0.2)
    raise RuntimeError(f"the Celery worker did not answer in {seconds} s:\n{log_path.read_text()}")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the ORM calls the tests make
    # beside it are still synchronous, so Django's async guard is a false alarm here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import expect

    # expect() retries until this timeout; its default of 5 s is short on a busy 2-core CI machine.
    expect.set_options(timeout=20_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page_at(browser):
    """Open pages at a given viewport; screenshots land in test-artifacts/."""
    pages = []

    def open_page(width: int = 1280, height: int = 900):
        page = browser.new_page(viewport={"width": width, "height": height})
        pages.append(page)
        return page

    yield open_page
    for page in pages:
        page.close()


@pytest.fixture
def demo_event(db):
    """The Helmholtz AI kick-off meeting 2020, imported from the shipped demo file."""
    from tests.factories import import_demo_event

    return import_demo_event()


def pytest_report_header(config) -> list[str]:
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return [f"database: {database}; broker: {settings.CELERY_BROKER_URL.split('://')[0]}"]
