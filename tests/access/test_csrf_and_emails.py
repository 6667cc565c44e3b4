"""CSRF on every form, and no e-mail address shown to the public.

Both walk the URL patterns through the table of ``test_permission_walk.py``, which
``test_every_url_pattern_is_in_the_table`` keeps complete.
"""

import re

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts.services import api_token_create
from tests.access.test_permission_walk import ROWS, Row, value
from tests.access.world import AUTHOR_EMAILS, World, build_world

pytestmark = pytest.mark.django_db

PAGE_REFUSAL = "CSRF verification failed"
API_REFUSAL = "CSRF Failed"
# A sample of the admin (Django protects the whole admin site alike).
ADMIN_ROWS = [
    Row("admin:login", ""),
    Row("admin:logout", ""),
    Row("admin:abstracts_abstract_add", ""),
    Row("admin:abstracts_abstract_changelist", ""),
    Row("admin:abstracts_abstract_change", "", {"object_id": "accepted"}),
    Row("admin:abstracts_abstract_delete", "", {"object_id": "accepted"}),
    Row("admin:conference_event_change", "", {"object_id": "published"}),
]
EMAIL = re.compile(r"[\w.%+-]+(?:@|&#64;|&#x40;|%40|\\u0040)[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> World:
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


def url_of(world: World, row: Row) -> str:
    kwargs = {
        name: getattr(world, source).pk if name == "object_id" else value(world, source)
        for name, source in row.params.items()
    }
    return reverse(row.name, kwargs=kwargs)


def every_url(world: World) -> list[str]:
    """One address per URL pattern (the first row of each name), and the admin's sample."""
    seen, urls = set(), []
    for row in [*ROWS, *ADMIN_ROWS]:
        if row.name not in seen:
            seen.add(row.name)
            urls.append(url_of(world, row))
    return urls


def post_rolled_back(client: Client, url: str, **headers):
    # The API reads JSON only (a cross-site form's body is a 415 there before anything else).
    body = {"content_type": "application/json"} if url.startswith("/api/") else {}
    with transaction.atomic():
        response = client.post(url, {"title": "forged"}, **body, **headers)
        transaction.set_rollback(True)
    return response


def test_every_post_without_a_csrf_token_is_refused(world):
    """Signed in as a superuser (allowed everything else), every URL refuses a POST without the token:
    pages with Django's CSRF failure, the API (a browser session) with its own 403."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["superuser"])
    anonymous = Client(enforce_csrf_checks=True)

    client.get("/accounts/profile/")  # sets the CSRF cookie, for the controls below
    token = client.cookies["csrftoken"].value

    not_refused = []
    for url in every_url(world):
        for who in (client, anonymous):
            response = post_rolled_back(who, url)
            body = response.content.decode(errors="replace")
            refused = response.status_code == 403 and (PAGE_REFUSAL in body or API_REFUSAL in body)
            if response.status_code == 403 and not refused and who is client:
                # A page that does not say why (Swagger UI's): the same POST with the token is not a 403.
                refused = post_rolled_back(who, url, HTTP_X_CSRFTOKEN=token).status_code != 403
            # Anonymous API writes are refused before CSRF matters: there is no session to ride on.
            anonymous_api = (
                who is anonymous and url.startswith("/api/") and response.status_code in (401, 403, 405)
            )
            if not (refused or anonymous_api):
                not_refused.append((url, who is anonymous, response.status_code, body[:120]))

    assert not_refused == []


def test_the_same_post_with_the_token_gets_past_the_check(world):
    """The refusals above are the CSRF check's, not some other: with the token the forms work."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["organiser"])
    board = client.get(f"/events/{world.published.slug}/board/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', board.content.decode()).group(1)

    with transaction.atomic():
        accepted = client.post(
            f"/events/{world.published.slug}/board/",
            {"csrfmiddlewaretoken": token, "action": "accept", "ids": [world.submitted.pk]},
        )
        transaction.set_rollback(True)
    logged_out = client.post("/accounts/logout/", {"csrfmiddlewaretoken": token})

    assert accepted.status_code == 302
    assert logged_out.status_code == 302


def test_api_calls_with_a_token_need_no_csrf_token(world):
    """By design: a token is sent by a program, never by a browser on its own, so it cannot be forged."""
    _token, key = api_token_create(user=world.users["organiser"], name="script", scope="write")
    client = Client(enforce_csrf_checks=True)

    with transaction.atomic():
        response = client.post(
            f"/api/v1/abstracts/{world.submitted.pk}/decide/",
            {"status": "accepted"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {key}",
        )
        transaction.set_rollback(True)

    assert response.status_code == 200, response.content


def public_urls(world: World) -> list[str]:
    """Every address an anonymous visitor gets a 200 from, with the API's lists filtered by event too."""
    urls = [url_of(world, row) for row in ROWS if row.method == "get" and row.expected.split()[0] == "200"]
    slug = world.published.slug
    urls += [
        f"/api/v1/{collection}/?event={slug}"
        for collection in ("abstracts", "people", "affiliations", "keywords", "sessions", "book-builds")
    ]
    urls += ["/api/v1/people/?search=Lovelace", "/api/v1/abstracts/?search=Lovelace"]
    return urls


def test_no_public_page_or_endpoint_shows_an_e_mail_address(world):
    anonymous = Client()
    urls = public_urls(world)

    found = {}
    for url in urls:
        response = anonymous.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        addresses = EMAIL.findall(body.decode(errors="replace"))
        if addresses:
            found[url] = addresses

    assert found == {}
    assert f"/events/{world.published.slug}/abstracts/{world.accepted.pk}/" in urls
    assert f"/api/v1/abstracts/{world.accepted.pk}/" in urls


def test_organisers_see_the_authors_e_mail_addresses(world):
    api = world.client_for("organiser").get(f"/api/v1/abstracts/{world.accepted.pk}/")
    public = Client().get(f"/api/v1/abstracts/{world.accepted.pk}/")

    assert [author.get("email") for author in api.json()["authors"]] == list(AUTHOR_EMAILS[:2])
    assert [author.get("email") for author in public.json()["authors"]] == [None, None]
