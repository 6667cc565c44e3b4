"""Every page under the Content Security Policy, in headless Chromium: nothing refused, no script error."""

import pytest
from django.urls import reverse
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.access.test_permission_walk import ROWS, value
from tests.access.world import build_world

PASSWORD = "quiet harbour 1987"
NOT_PAGES = (
    "books:pdf",
    "books:build_pdf",
    "books:build_status",
    "health",
    "api_docs:schema",
    "accounts:logout",
)


@pytest.mark.browser
def test_every_page_works_under_the_content_security_policy(web_server, page_at, transactional_db):
    world = build_world()
    superuser = world.users["superuser"]
    superuser.set_password(PASSWORD)
    superuser.save()
    # Every page a superuser opens (the API's JSON is not a page), once per URL.
    urls = []
    for row in ROWS:
        if row.method != "get" or row.name in NOT_PAGES or row.name.startswith("api:"):
            continue
        if row.expected.split()[-1] != "200":
            continue
        kwargs = {
            name: getattr(world, source).pk if name == "object_id" else value(world, source)
            for name, source in row.params.items()
        }
        url = reverse(row.name, kwargs=kwargs)
        if url not in urls:
            urls.append(url)

    page = page_at(1280, 900)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))

    def on_console(message) -> None:
        # Browsers ask for /favicon.ico by themselves; the app has none (a 404 that pages do not cause).
        if message.location.get("url", "").endswith("/favicon.ico"):
            return
        if message.type == "error" or "Content Security Policy" in message.text:
            problems.append(f"{page.url}: {message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    page.goto(f"{web_server}/accounts/login/")
    page.get_by_label("E-mail address").fill(superuser.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{web_server}/")
    policies = set()
    for url in urls:
        response = page.goto(f"{web_server}{url}")
        try:
            page.wait_for_load_state("networkidle", timeout=15_000)
        except PlaywrightTimeoutError:
            # The book builds page polls every second while a build runs; on a loaded machine a poll
            # can take longer than the 500 ms of quiet that "networkidle" waits for. Its scripts ran.
            assert url.endswith("/book/builds/"), f"{url} never went quiet on the network"
            page.wait_for_load_state("load")
        policies.add(response.headers.get("content-security-policy", "")[:20])

    assert problems == []
    assert "" not in policies  # every page carried a policy
    assert len(urls) >= 40
