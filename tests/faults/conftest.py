"""What the fault tests share: a private Redis, a TCP proxy that can play a database restart, the app
under gunicorn and a Celery worker with an environment of the test's own, and an event with an open call.

Nothing here touches the machine's PostgreSQL or Redis: a Redis to stop is started on a free port, and
a database to lose is reached through a proxy that this process can cut.
"""

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from django.contrib.auth.models import User
from django.utils import timezone

from accounts.services import api_token_create
from conference.models import Event, EventRole
from tests.conftest import ARTIFACTS, ROOT, _free_port, _stop
from tests.factories import make_event, make_session

PASSWORD = "a long passphrase for faults 1"


def wait_until(condition: Callable[[], object], *, seconds: float, what: str) -> object:
    """Poll ``condition`` until it returns something true; fail saying ``what`` did not happen."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {seconds} s")
        time.sleep(0.2)


# --- A Redis of the test's own ----------------------------------------------------------------


class PrivateRedis:
    """``redis-server`` on a free port, with nothing saved to disk; stopped and started on the same port."""

    def __init__(self, log_path: Path) -> None:
        self.port = _free_port()
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        server = shutil.which("redis-server")
        if server is None:
            pytest.fail("redis-server is not installed (apt-get install redis-server)")
        command = [
            server,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_until(self._answers, seconds=20, what=f"redis-server answering on port {self.port}")

    def _answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"redis-server exited:\n{self.log_path.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                probe.sendall(b"PING\r\n")
                return probe.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            _stop(self.process)
        self.process = None


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    ARTIFACTS.mkdir(exist_ok=True)
    redis = PrivateRedis(ARTIFACTS / "faults-redis.log")
    redis.log_path.write_text("")
    redis.start()
    yield redis
    redis.stop()


# --- A TCP proxy that can cut the database off --------------------------------------------------


class TcpProxy:
    """Forwards a local port to ``target``; ``cut`` plays a database restart.

    Modes: ``up`` forwards; ``refusing`` closes each new connection at once (a server that is down);
    ``silent`` accepts and never answers (a server that hangs, or packets lost), which only a
    connect timeout ends. ``cut_on`` arms a trigger: the first time a client sends those bytes, the
    chunk is not forwarded, every connection is closed and the proxy refuses, as if the server
    restarted in the middle of that statement.
    """

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.mode = "up"
        self.trigger: bytes | None = None
        self.triggered = threading.Event()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._closing = False
        threading.Thread(target=self._accept, daemon=True, name="proxy-accept").start()

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.mode == "refusing":
                self._close(client)
            elif self.mode == "silent":
                self._track(client)  # held open, never answered
            else:
                threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.target, timeout=5)
            upstream.settimeout(None)
        except OSError:
            self._close(client)
            return
        self._track(client)
        self._track(upstream)
        threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
        threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, from_client: bool) -> None:
        tail = b""
        try:
            while True:
                chunk = source.recv(65536)
                if not chunk:
                    break
                if from_client and self.trigger is not None and self.trigger in tail + chunk:
                    self.trigger = None
                    self.cut()
                    self.triggered.set()
                    break
                tail = chunk[-256:]
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            self._close(source)
            self._close(sink)

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def _close(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)
        self._shut(sock)

    def cut(self, *, then: str = "refusing") -> None:
        """Close every connection now, and from now on ``then`` (refusing or silent)."""
        self.mode = then
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            self._shut(sock)

    def cut_on(self, statement_bytes: bytes) -> None:
        self.triggered.clear()
        self.trigger = statement_bytes

    def restore(self) -> None:
        with self._lock:
            held, self._sockets = self._sockets, set()
        if self.mode == "silent":
            for sock in held:  # the connections held unanswered are dropped, as a restart would
                self._shut(sock)
        else:
            self._sockets = held
        self.mode = "up"

    def close(self) -> None:
        self._closing = True
        self.cut()
        self._listener.close()


# --- The app under gunicorn, and a worker, with an environment of the test's own ----------------


def start_gunicorn(env: dict[str, str], log_name: str, *, timeout: int = 15) -> tuple[subprocess.Popen, str]:
    """Start ``gunicorn conference.wsgi`` with ``env``; return it and its base URL once it answers.

    ``timeout`` is gunicorn's worker timeout: a request stuck longer than that is killed (a 502 in
    production), so a request that hangs on a lost service fails the test instead of passing slowly.
    """
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / log_name
    port = _free_port()
    command = [
        sys.executable, "-m", "gunicorn", "conference.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2",
        "--timeout", str(timeout), "--graceful-timeout", "5",
    ]  # fmt: skip
    with open(log_path, "w") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({server.returncode}):\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/health/", timeout=5):  # noqa: S310 - our own server
                return True
        except urllib.error.HTTPError:
            return True  # it answers; /health/ may say a part is down
        except OSError:
            return False

    try:
        wait_until(answers, seconds=60, what="gunicorn answering")
    except BaseException:
        _stop(server)
        raise
    return server, url


def start_worker(env: dict[str, str], log_name: str, *, queue: str, beat_schedule: Path | None = None):
    """Start a ``celery worker`` (with beat inside it when ``beat_schedule`` is given) on ``queue``."""
    ARTIFACTS.mkdir(exist_ok=True)
    command = [
        sys.executable, "-m", "celery", "-A", "conference", "worker", "--loglevel=INFO", "--concurrency=1",
        "--without-gossip", "--without-mingle", "-Q", queue, "-n", f"{log_name}@%h",
    ]  # fmt: skip
    if beat_schedule is not None:
        command += ["-B", "-s", str(beat_schedule)]
    with open(ARTIFACTS / log_name, "w") as log:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


# --- An event with an open call, a submitter and an organiser -----------------------------------


@dataclass
class OpenCall:
    event: Event
    submitter: User
    submitter_token: str
    organiser_token: str


@pytest.fixture
def open_call(transactional_db) -> OpenCall:
    now = timezone.now()
    event = make_event(
        name="Fault Tolerance Days",
        is_published=True,
        call_opens_at=now - timedelta(days=1),
        call_deadline=now + timedelta(days=5),
        word_limit=200,
    )
    make_session(event, "Resilience", 1)
    submitter = User.objects.create_user("ada@example.org", "ada@example.org", PASSWORD)
    organiser = User.objects.create_user("grace@example.org", "grace@example.org", None)
    EventRole.objects.create(event=event, user=organiser, role="organiser")
    _, submitter_key = api_token_create(user=submitter, name="submissions", scope="write")
    _, organiser_key = api_token_create(user=organiser, name="decisions", scope="write")
    return OpenCall(event, submitter, submitter_key, organiser_key)


AUTHORS = (("Ada", "Lovelace", [0]), ("Grace", "Hopper", [0, 1]), ("Lise", "Meitner", [1]))
AFFILIATIONS = ("Forschungszentrum Jülich", "University of Bonn")
KEYWORDS = ("fault tolerance", "databases")


def web_login(base_url: str, email: str, password: str = PASSWORD) -> requests.Session:
    """A browser-like session signed in through the log-in form."""
    browser = requests.Session()
    browser.get(f"{base_url}/accounts/login/", timeout=30).raise_for_status()
    response = browser.post(
        f"{base_url}/accounts/login/",
        data={"username": email, "password": password, "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        headers={"Referer": f"{base_url}/accounts/login/"},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text[:2000]
    return browser


def submit_through_form(browser: requests.Session, base_url: str, event: Event, title: str):
    """POST the submission form as the page sends it (without JavaScript), with ``action=submit``."""
    data = {
        "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        "action": "submit",
        "abstract-title": title,
        "abstract-text": "We stopped a part of the system and kept every submission.",
        "abstract-note": "",
        "abstract-preferred_session": str(event.sessions.first().pk),
        "affiliation-TOTAL_FORMS": str(len(AFFILIATIONS)),
        "affiliation-INITIAL_FORMS": "0",
        "author-TOTAL_FORMS": str(len(AUTHORS)),
        "author-INITIAL_FORMS": "0",
        "keyword-TOTAL_FORMS": str(len(KEYWORDS)),
        "keyword-INITIAL_FORMS": "0",
        "presenting": "0",
    }
    for index, name in enumerate(AFFILIATIONS):
        data[f"affiliation-{index}-name"] = name
    for index, (first, last, ticked) in enumerate(AUTHORS):
        data[f"author-{index}-first_name"] = first
        data[f"author-{index}-last_name"] = last
        data[f"author-{index}-ORDER"] = str(index + 1)
        data[f"author-{index}-affiliations"] = [str(number) for number in ticked]
    for index, label in enumerate(KEYWORDS):
        data[f"keyword-{index}-label"] = label
    url = f"{base_url}/events/{event.slug}/submit/"
    return browser.post(url, data=data, headers={"Referer": url}, allow_redirects=False, timeout=60)


def submit_through_api(base_url: str, token: str, event: Event, title: str):
    body = {
        "event": event.slug,
        "title": title,
        "text": "We stopped a part of the system and kept every submission.",
        "preferred_session": event.sessions.first().pk,
        "affiliations": list(AFFILIATIONS),
        "authors": [
            {"first_name": first, "last_name": last, "affiliations": [n + 1 for n in ticked]}
            for first, last, ticked in AUTHORS
        ],
        "keywords": list(KEYWORDS),
        "submit": True,
    }
    body["authors"][0]["is_presenting"] = True
    return requests.post(
        f"{base_url}/api/v1/abstracts/", json=body, headers={"Authorization": f"Token {token}"}, timeout=60
    )


def stored_intact(title: str) -> bool:
    """The abstract of this title is stored once, submitted, with all its authors and keywords."""
    from abstracts.models import Abstract

    abstracts = list(Abstract.objects.filter(title=title))
    if len(abstracts) != 1:
        return False
    abstract = abstracts[0]
    authors = [a.person.last_name for a in abstract.authorships.select_related("person").order_by("position")]
    keywords = sorted(abstract.keyword_links.values_list("keyword__label", flat=True))
    return (
        abstract.status == "submitted"
        and authors == [last for _, last, _ in AUTHORS]
        and keywords == sorted(KEYWORDS)
    )


def log_has(path: Path, pattern: str) -> bool:
    return path.exists() and re.search(pattern, path.read_text(errors="replace")) is not None


def environment(**overrides: str) -> dict[str, str]:
    env = {**os.environ, **overrides}
    return {key: value for key, value in env.items() if value is not None}
