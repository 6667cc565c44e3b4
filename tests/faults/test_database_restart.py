"""PostgreSQL restarts under a running app: requests answer 503 with a message (HTML for pages, the
API's JSON error for /api/), nothing is half-written, and the same gunicorn serves again afterwards.

The machine's PostgreSQL is not touched: gunicorn reaches it through a TCP proxy of this test, and
the "restart" is the proxy closing every connection (in the middle of a submission's transaction),
then refusing connections, then accepting them and never answering (which only the connect timeout
ends), then forwarding again.
"""

import pytest
import requests
from django.db import connection

from abstracts.models import Abstract
from tests.conftest import ARTIFACTS, _database_url_for_tests, _stop
from tests.faults.conftest import (
    TcpProxy,
    environment,
    start_gunicorn,
    stored_intact,
    submit_through_api,
    submit_through_form,
    wait_until,
    web_login,
)

pytestmark = pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="a database restart needs a database server (SQLite is a file in the app's own process)",
)

GUNICORN_LOG = "faults-database-gunicorn.log"
UNAVAILABLE = "The site cannot reach its database for a moment."


@pytest.fixture
def app_behind_proxy(django_db_blocker, celery_queue):
    with django_db_blocker.unblock():
        database_url = _database_url_for_tests()
    params = connection.settings_dict
    proxy = TcpProxy((params["HOST"] or "127.0.0.1", int(params["PORT"] or 5432)))
    proxied_url = database_url.replace(f"@{params['HOST']}:{params['PORT']}/", f"@127.0.0.1:{proxy.port}/")
    assert proxied_url != database_url, database_url
    env = environment(
        DATABASE_URL=proxied_url,
        # The production default. With 2 s (which libpq may end after 1 s), CI twice saw a 503 before
        # the submission reached the statement the proxy cuts on; a slow connect is the suspect, not
        # proven: the assertion below prints the server's log, which names the error.
        DATABASE_CONNECT_TIMEOUT="5",
        CELERY_TASK_DEFAULT_QUEUE=celery_queue,
    )
    server, url = start_gunicorn(env, GUNICORN_LOG)
    try:
        yield proxy, server, url
    finally:
        _stop(server)
        proxy.close()


def assert_unavailable_page(response: requests.Response) -> None:
    assert response.status_code == 503, (response.status_code, response.text[:3000])
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["Retry-After"] == "30"
    assert UNAVAILABLE in response.text


def assert_unavailable_json(response: requests.Response) -> None:
    assert response.status_code == 503, (response.status_code, response.text[:3000])
    assert response.headers["Retry-After"] == "30"
    error = response.json()["error"]
    assert error["code"] == "database_unavailable" and error["message"].startswith(UNAVAILABLE)


def test_a_database_restart_gives_503s_loses_nothing_half_written_and_the_app_recovers_by_itself(
    open_call, app_behind_proxy
):
    proxy, server, url = app_behind_proxy
    event = open_call.event
    browser = web_login(url, open_call.submitter.email)
    assert browser.get(f"{url}/events/{event.slug}/submit/", timeout=30).status_code == 200

    # The server goes away after the abstract's row is written, before its authors are.
    proxy.cut_on(b'INSERT INTO "abstracts_authorship"')
    response = submit_through_form(browser, url, event, "Cut off in the middle")
    assert proxy.triggered.is_set(), (
        f"the submission never reached the authors' INSERT: {response.status_code}; the server's log:\n"
        + (ARTIFACTS / GUNICORN_LOG).read_text(errors="replace")[-3000:]
    )
    assert_unavailable_page(response)
    assert not Abstract.objects.filter(title="Cut off in the middle").exists()
    response = submit_through_api(url, open_call.submitter_token, event, "Sent while the database was down")
    assert_unavailable_json(response)

    # Down: connections are refused at once.
    assert proxy.mode == "refusing"
    assert_unavailable_page(requests.get(f"{url}/events/{event.slug}/", timeout=30))
    assert_unavailable_page(browser.get(f"{url}/my/abstracts/", timeout=30))
    assert_unavailable_json(requests.get(f"{url}/api/v1/events/", timeout=30))
    health = requests.get(f"{url}/health/", timeout=30)
    assert health.status_code == 503 and not health.json()["checks"]["database"]["ok"]

    # Hanging: connections are taken and never answered; the connect timeout turns that into a 503.
    proxy.cut(then="silent")
    assert_unavailable_page(requests.get(f"{url}/events/{event.slug}/", timeout=30))
    assert_unavailable_json(
        requests.get(
            f"{url}/api/v1/abstracts/",
            headers={"Authorization": f"Token {open_call.submitter_token}"},
            timeout=30,
        )
    )
    assert_unavailable_page(submit_through_form(browser, url, event, "Sent while the database hung"))

    proxy.restore()
    wait_until(
        lambda: requests.get(f"{url}/events/{event.slug}/", timeout=30).status_code == 200,
        seconds=60,
        what="the event page answering 200 again",
    )
    assert server.poll() is None, "gunicorn was not restarted"
    response = submit_through_form(browser, url, event, "Cut off in the middle")  # the same session
    assert response.status_code == 302, response.text[:3000]
    response = submit_through_api(url, open_call.submitter_token, event, "Sent while the database was down")
    assert response.status_code == 201, response.text[:3000]
    assert stored_intact("Cut off in the middle")
    assert stored_intact("Sent while the database was down")
    assert not Abstract.objects.filter(title="Sent while the database hung").exists()
    assert all(abstract.authorships.count() == 3 for abstract in Abstract.objects.filter(event=event))
    assert requests.get(f"{url}/health/", timeout=30).json()["checks"]["database"]["ok"]
