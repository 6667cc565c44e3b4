"""Helpers of the access tests: addresses and names no other test (or earlier run on Redis) used."""

import ipaddress
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest

from tests.conftest import ARTIFACTS, ROOT, _database_url_for_tests, _free_port, _stop

NO_LIMIT = 0
HOUR = 3600


def fresh_address() -> str:
    """An address of the private 10/8 range picked at random: counters in Redis outlive a test run."""
    return str(ipaddress.ip_address(int.from_bytes(uuid.uuid4().bytes[:3]) + (10 << 24)))


def fresh_email(name: str = "anna") -> str:
    return f"{name}-{uuid.uuid4().hex[:10]}@example.org"


def account_limits(**limits: tuple[int, int]) -> dict[str, tuple[int, int]]:
    """``ACCOUNT_RATE_LIMITS`` with only the named limits on."""
    names = (
        "login_failures_per_account",
        "login_failures_per_address",
        "signups_per_address",
        "password_resets_per_address",
        "password_resets_per_account",
    )
    return {name: limits.get(name, (NO_LIMIT, HOUR)) for name in names}


@pytest.fixture
def start_server(django_db_setup, django_db_blocker, collected_static_files, celery_queue):
    """Starts gunicorn on the test database (whatever ``env`` says) with extra environment variables;
    yields a function that returns its base URL. Servers are stopped after the test."""
    servers = []

    def start(env: dict[str, str], workers: int = 1, name: str = "access") -> str:
        with django_db_blocker.unblock():
            database_url = _database_url_for_tests()
        ARTIFACTS.mkdir(exist_ok=True)
        log_path = ARTIFACTS / f"gunicorn-{name}.log"
        port = _free_port()
        full_env = {
            **os.environ,
            **env,
            "DATABASE_URL": database_url,
            "CELERY_TASK_DEFAULT_QUEUE": celery_queue,
        }
        command = [sys.executable, "-m", "gunicorn", "conference.wsgi", "-b", f"127.0.0.1:{port}"]
        with open(log_path, "w") as log:
            server = subprocess.Popen(
                [*command, "-w", str(workers)], cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT
            )
        servers.append(server)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({server.returncode}):\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/health/", timeout=2):  # noqa: S310 - our own server
                    return url
            except urllib.error.HTTPError:  # it answers (a production host name may be required)
                return url
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not answer:\n{log_path.read_text()}") from None
                time.sleep(0.2)

    yield start
    for server in servers:
        _stop(server)


@pytest.fixture(autouse=True)
def api_unthrottled(settings):
    """The walks ask the API hundreds of times from one address (tests/api/test_throttling.py tests this)."""
    settings.API_THROTTLE_RATES = {"anon": "100000/minute", "token": "100000/minute", "user": "100000/minute"}
