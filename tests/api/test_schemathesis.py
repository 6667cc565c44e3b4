"""Schemathesis against the live schema of a gunicorn server: no server errors, and every response
matches the schema, for anonymous use and for an organiser's write token (bounded: well under two
minutes)."""

import os
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.services import api_token_create
from conference.models import EventRole
from indexes.services import index_rebuild
from tests.api.conftest import make_user
from tests.conftest import ARTIFACTS, ROOT, _database_url_for_tests, _free_port, _stop
from tests.factories import make_event, submitted_event

SCHEMATHESIS = Path(sys.executable).parent / "st"
MAX_EXAMPLES = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "12")


@pytest.fixture(scope="module")
def api_server(django_db_setup, django_db_blocker):
    """Our own gunicorn (the shared one throttles anonymous use as production does)."""
    with django_db_blocker.unblock():
        database_url = _database_url_for_tests()
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "API_THROTTLE_ANON": "100000/minute",
        "API_THROTTLE_TOKEN": "100000/minute",
        "API_THROTTLE_USER": "100000/minute",
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "memory://"),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / "schemathesis-gunicorn.log"
    command = [sys.executable, "-m", "gunicorn", "conference.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2"]
    with open(log_path, "w") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health/", timeout=2):  # noqa: S310 - our own server
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start:\n{log_path.read_text()}") from None
                time.sleep(0.2)
        yield url
    finally:
        _stop(server)


@pytest.fixture
def organiser_key(transactional_db) -> str:
    now = timezone.now()
    event = submitted_event(8)
    event.call_opens_at, event.call_deadline = now - timedelta(days=1), now + timedelta(days=10)
    event.save()
    event.abstracts.filter(pk__in=event.abstracts.values("pk")[:5]).update(status="accepted")
    index_rebuild(event_id=event.pk, force=True)
    make_event(slug="hidden-one", is_published=False)
    organiser = make_user("fuzz-organiser@example.org")
    EventRole.objects.create(event=event, user=organiser, role="organiser")
    _token, key = api_token_create(user=organiser, name="schemathesis", scope="write")
    return key


def run_schemathesis(url: str, tmp_path: Path, *headers: str) -> subprocess.CompletedProcess:
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{url}/api/schema/?format=json",
        "--url",
        url,
        "--checks",
        "not_a_server_error,response_schema_conformance",
        "--max-examples",
        MAX_EXAMPLES,
        "--phases",
        "examples,coverage,fuzzing",
        "--workers",
        "2",
        "--seed",
        "20260305",
        "--generation-database",
        "none",
        "--request-timeout",
        "20",
        "--max-time",
        "45",
    ]
    for header in headers:
        command += ["--header", header]
    return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=150, check=False)


@pytest.mark.parametrize("who", ["anonymous", "organiser"])
def test_schemathesis_finds_no_server_error_and_no_response_off_the_schema(
    api_server, organiser_key, tmp_path, who
):
    headers = [f"Authorization: Token {organiser_key}"] if who == "organiser" else []
    started = time.monotonic()
    result = run_schemathesis(api_server, tmp_path, *headers)
    (ARTIFACTS / f"schemathesis-{who}.txt").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "passed" in result.stdout
    assert time.monotonic() - started < 90
