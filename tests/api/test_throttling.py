"""Requests are limited per address (anonymous), per token and per signed-in account: 429 beyond."""

import itertools

import pytest
from django.core.cache import cache

from accounts.services import api_token_create
from tests.api.conftest import error_of

pytestmark = pytest.mark.django_db

_addresses = (f"10.99.{a}.{b}" for a, b in itertools.product(range(256), range(1, 255)))


def test_anonymous_requests_are_limited_per_address(client, settings, world):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "anon": "3/minute"}
    address, other = next(_addresses), next(_addresses)
    statuses = [client.get("/api/v1/events/", REMOTE_ADDR=address).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/events/", REMOTE_ADDR=address)
    error = error_of(response)
    assert error["code"] == "throttled"
    assert error["message"].startswith("Too many requests; try again in ")
    assert int(response["Retry-After"]) > 0
    assert client.get("/api/v1/events/", REMOTE_ADDR=other).status_code == 200


def test_token_requests_are_limited_per_token(client, settings, world):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "token": "2/minute"}
    _token, key = api_token_create(user=world.users["submitter"], name="busy", scope="read")
    _token, other_key = api_token_create(user=world.users["submitter"], name="quiet", scope="read")
    statuses = [
        client.get("/api/v1/events/", HTTP_AUTHORIZATION=f"Token {key}").status_code for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert client.get("/api/v1/events/", HTTP_AUTHORIZATION=f"Token {other_key}").status_code == 200


def test_a_signed_in_session_is_limited_per_account(client, settings, world):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "user": "2/minute"}
    world.login(client, "reviewer")
    # Account ids come back after a rolled-back test: forget what earlier tests counted for this one.
    cache.delete(f"throttle_user_{world.users['reviewer'].pk}")
    statuses = [client.get("/api/v1/sessions/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
