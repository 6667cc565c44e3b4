"""Redis (the cache) stops: log-in limits and API throttles go on counting in the web process, and
count in Redis again once it is back.

The app runs under gunicorn with one worker (without Redis each process counts on its own, as on the
embedded default) on a Redis of the test's own, which the test stops and starts again on the same
port. The embedded default has no Redis to lose: tests/access/test_rate_limits.py counts in its
in-process cache, and tests/conference/test_cache_without_redis.py tries the cache on a closed port.
"""

import re

import pytest
import redis
import requests
from django.conf import settings
from django.contrib.auth.models import User

from tests.access import conftest as access_conftest

pytestmark = pytest.mark.skipif(
    "redis" not in settings.CACHES["default"]["BACKEND"].lower(),
    reason="a Redis outage needs Redis as the cache (the PostgreSQL + Redis pass sets REDIS_URL)",
)

start_server = access_conftest.start_server  # gunicorn with as many workers as asked

EMAIL = "ada@example.org"
PASSWORD = "quiet harbour 1987"
WRONG = "loud harbour 1987"


@pytest.fixture
def app_on_private_redis(private_redis, start_server, transactional_db) -> str:
    """One gunicorn worker caching in ``private_redis``; 3 failed log-ins lock, 3 API calls a minute."""
    User.objects.create_user(EMAIL, EMAIL, PASSWORD)
    env = {
        "REDIS_URL": private_redis.url(1),
        "LOGIN_FAILURES_PER_ACCOUNT": "3",
        "LOGIN_FAILURES_PER_ADDRESS": "50",
        "LOGIN_LOCK_SECONDS": "600",
        "API_THROTTLE_ANON": "3/minute",
    }
    return start_server(env, workers=1, name="limits-without-redis")


def log_in(base_url: str, password: str) -> requests.Response:
    session = requests.Session()
    form = session.get(f"{base_url}/accounts/login/", timeout=30).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    return session.post(
        f"{base_url}/accounts/login/",
        {"username": EMAIL, "password": password, "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=30,
    )


def keys_in_redis(private_redis, pattern: str) -> dict[str, bytes]:
    client = redis.Redis.from_url(private_redis.url(1))
    return {key.decode(): client.get(key) for key in client.scan_iter(pattern)}


def test_failed_log_ins_lock_the_account_while_redis_is_down(private_redis, app_on_private_redis):
    url = app_on_private_redis
    private_redis.stop()

    statuses = [log_in(url, WRONG).status_code for _ in range(3)]
    locked = log_in(url, PASSWORD)

    assert statuses == [200, 200, 429]
    assert locked.status_code == 429
    assert "<h1>Too many attempts</h1>" in locked.text
    assert "There were too many failed log-ins to this account from your address." in locked.text
    assert 0 < int(locked.headers["Retry-After"]) <= 600

    # Redis is back (empty): the counts are Redis's again, and the lock kept in the process is ignored.
    private_redis.start()
    assert log_in(url, WRONG).status_code == 200
    counts = keys_in_redis(private_redis, "*:ratelimit:login_failures_per_account:*")
    assert [value for key, value in counts.items() if not key.endswith(":ends")] == [b"1"], counts
    assert log_in(url, PASSWORD).status_code == 302


def test_the_api_throttle_throttles_while_redis_is_down(private_redis, app_on_private_redis):
    url = app_on_private_redis
    private_redis.stop()

    statuses = [requests.get(f"{url}/api/v1/events/", timeout=30).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]

    private_redis.start()
    assert requests.get(f"{url}/api/v1/events/", timeout=30).status_code == 200
    assert list(keys_in_redis(private_redis, "*throttle_anon_127.0.0.1")) != []
