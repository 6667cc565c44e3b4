"""API tokens: created on the profile page (the key shown once), stored hashed, scoped, revocable."""

import hashlib
import re

import pytest
from django.db import connection
from django.test import Client

from accounts.models import ApiToken
from accounts.services import api_token_create
from tests.api.conftest import error_of

pytestmark = pytest.mark.django_db


def create_on_profile_page(browser_client: Client, name: str, scope: str) -> str:
    response = browser_client.post("/accounts/profile/", {"action": "create", "name": name, "scope": scope})
    assert response.status_code == 200
    page = response.content.decode()
    key = re.search(r'id="new-token-key">([^<]+)</code>', page).group(1)
    assert "shown only this once" in page
    return key


def test_a_token_created_on_the_profile_page_works_once_shown_and_is_stored_only_as_a_hash(client, world):
    browser = Client()
    browser.force_login(world.users["submitter"])
    key = create_on_profile_page(browser, "export script", "read")

    token = ApiToken.objects.get(user=world.users["submitter"])
    assert token.name == "export script"
    assert token.scope == "read"
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:8]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert key not in stored

    # The page lists it afterwards by name and prefix, never with the key.
    listing = browser.get("/accounts/profile/").content.decode()
    assert "export script" in listing and f"{key[:8]}…" in listing
    assert key not in listing

    response = client.get(f"/api/v1/abstracts/{world.draft.pk}/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert response.json()["title"] == "Draft work"
    response = client.get(f"/api/v1/abstracts/{world.draft.pk}/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_read_token_cannot_write_and_a_write_token_can(client, world):
    _read, read_key = api_token_create(user=world.users["submitter"], name="reader", scope="read")
    _write, write_key = api_token_create(user=world.users["submitter"], name="writer", scope="write")
    url = f"/api/v1/abstracts/{world.draft.pk}/"

    response = client.patch(
        url, {"title": "By a reader"}, format="json", HTTP_AUTHORIZATION=f"Token {read_key}"
    )
    assert response.status_code == 403
    assert error_of(response)["code"] == "token_read_only"

    response = client.patch(
        url, {"title": "By a writer"}, format="json", HTTP_AUTHORIZATION=f"Token {write_key}"
    )
    assert response.status_code == 200
    assert response.json()["title"] == "By a writer"


def test_an_organisers_read_token_cannot_take_decisions(client, world):
    _token, key = api_token_create(user=world.users["organiser"], name="reader", scope="read")
    response = client.post(
        f"/api/v1/abstracts/{world.submitted.pk}/decide/",
        {"status": "accepted"},
        format="json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert response.status_code == 403
    assert error_of(response)["code"] == "token_read_only"
    world.submitted.refresh_from_db()
    assert world.submitted.status == "submitted"


def test_a_revoked_token_is_refused_from_then_on(client, world):
    browser = Client()
    browser.force_login(world.users["submitter"])
    key = create_on_profile_page(browser, "laptop", "write")
    token = ApiToken.objects.get(user=world.users["submitter"])

    response = browser.post("/accounts/profile/", {"action": "revoke", "token": token.pk}, follow=True)
    assert "is revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None

    response = client.get("/api/v1/abstracts/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401
    assert error_of(response)["code"] == "invalid_token"
    assert response["WWW-Authenticate"] == 'Token realm="api"'


def test_nobody_revokes_someone_elses_token(world):
    token, _key = api_token_create(user=world.users["submitter"], name="mine", scope="read")
    browser = Client()
    browser.force_login(world.users["organiser"])
    response = browser.post("/accounts/profile/", {"action": "revoke", "token": token.pk}, follow=True)
    assert "There is no such token of yours." in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_token_needs_a_name_and_a_known_scope(world):
    browser = Client()
    browser.force_login(world.users["submitter"])
    response = browser.post("/accounts/profile/", {"action": "create", "name": "  ", "scope": "admin"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Give the token a name" in page
    assert "Select a valid choice" in page
    assert not ApiToken.objects.exists()


def test_the_profile_page_needs_a_login():
    response = Client().get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "header",
    ["Token", "Token a b", "Token not-a-real-key", "Bearer "],
)
def test_a_wrong_or_malformed_token_is_a_401_in_the_error_format(client, world, header):
    response = client.get("/api/v1/events/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert error_of(response)["code"] in {"invalid_token", "malformed_token"}


def test_a_signed_in_browser_session_must_send_the_csrf_token_to_write(world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.users["submitter"])
    response = browser.patch(
        f"/api/v1/abstracts/{world.draft.pk}/", '{"title": "x"}', content_type="application/json"
    )
    assert response.status_code == 403
    assert "CSRF" in error_of(response)["message"]
