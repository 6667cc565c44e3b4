"""The API's documentation page and the profile page's API tokens, in real headless Chromium."""

import pytest
from playwright.sync_api import expect

from accounts.services import user_sign_up
from tests.conftest import ARTIFACTS

PASSWORD = "quiet harbour 1987"


@pytest.mark.browser
def test_the_api_docs_are_served_entirely_from_this_server(web_server, page_at, transactional_db):
    page = page_at(1280, 900)
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{web_server}/api/docs/")
    page.wait_for_selector("#operations-tag-abstracts", timeout=30_000)
    page.wait_for_load_state("networkidle")
    page.locator("#operations-tag-abstracts").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "api-docs.png"))

    assert page.locator(".info .title").inner_text().startswith("Abstract book API")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/abstracts/{id}/decide/")).to_have_count(1)
    assert any(url.endswith("/api/schema/") for url in requested)
    elsewhere = [url for url in requested if not url.startswith(("http://127.0.0.1:", "data:", "blob:"))]
    assert elsewhere == []


@pytest.mark.browser
def test_a_token_is_created_shown_once_and_revoked_on_the_profile_page(web_server, page_at, transactional_db):
    user_sign_up(email="tokens@example.org", password=PASSWORD, first_name="Tess", last_name="Token")
    page = page_at(1280, 900)
    page.goto(f"{web_server}/accounts/login/?next=/accounts/profile/")
    page.get_by_label("E-mail address").fill("tokens@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{web_server}/accounts/profile/")

    page.get_by_label("Name").fill("programme export")
    page.get_by_label("Read and write: also submit and change").check()
    page.get_by_role("button", name="Create the token").click()
    key = page.locator("#new-token-key").inner_text().strip()
    assert len(key) >= 40
    page.screenshot(path=str(ARTIFACTS / "api-token-created.png"), full_page=True)

    response = page.request.get(f"{web_server}/api/v1/events/", headers={"Authorization": f"Token {key}"})
    assert response.status == 200

    page.goto(f"{web_server}/accounts/profile/")
    expect(page.locator("#new-token-key")).to_have_count(0)
    assert key not in page.content()
    page.get_by_role("button", name="Revoke programme export").click()
    page.wait_for_selector("text=is revoked")
    page.screenshot(path=str(ARTIFACTS / "api-token-revoked.png"), full_page=True)
    response = page.request.get(f"{web_server}/api/v1/events/", headers={"Authorization": f"Token {key}"})
    assert response.status == 401
