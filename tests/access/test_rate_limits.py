"""Brute-force protection of log-in, sign-up and password reset, through HTTP.

Every test uses addresses and account names of its own: on Redis the counters outlive a test run.
"""

import logging
import re
import time

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core import mail

from tests.access.conftest import account_limits, fresh_address, fresh_email

User = get_user_model()
PASSWORD = "quiet harbour 1987"
WRONG = "loud harbour 1987"

pytestmark = pytest.mark.django_db


def make_account(email: str) -> User:
    return User.objects.create_user(email, email, PASSWORD, first_name="Anna")


def log_in(client, email: str, password: str, address: str, url: str = "/accounts/login/"):
    return client.post(url, {"username": email, "password": password}, REMOTE_ADDR=address)


def assert_refused(response, reason: str) -> None:
    assert response.status_code == 429, response.content.decode()[:500]
    html = response.content.decode()
    assert "<h1>Too many attempts</h1>" in html
    assert reason in html
    assert re.search(r"Try again after <strong><time datetime=\"[^\"]+\">\d\d:\d\d</time></strong>", html)
    assert int(response["Retry-After"]) > 0


def test_five_wrong_passwords_lock_the_account_from_that_address_even_for_the_right_one(
    client, settings, caplog
):
    settings.ACCOUNT_RATE_LIMITS = account_limits(
        login_failures_per_account=(5, 900), login_failures_per_address=(50, 900)
    )
    email, address = fresh_email(), fresh_address()
    make_account(email)

    statuses = [log_in(client, email, WRONG, address).status_code for _ in range(4)]
    with caplog.at_level(logging.WARNING, logger="accounts.ratelimits"):
        fifth = log_in(client, email, WRONG, address)
        right_password = log_in(client, email, PASSWORD, address)

    assert statuses == [200, 200, 200, 200]
    assert_refused(fifth, "There were too many failed log-ins to this account from your address.")
    assert_refused(right_password, "There were too many failed log-ins to this account from your address.")
    assert 800 < int(right_password["Retry-After"]) <= 900
    assert "_auth_user_id" not in client.session
    logged = [record.getMessage() for record in caplog.records if record.name == "accounts.ratelimits"]
    expected = (
        rf"rate limit login_failures_per_account: refused {re.escape(email)} / {re.escape(address)} "
        r"after 5 attempts; open again in \d+ s"
    )
    assert len(logged) == 2 and all(re.fullmatch(expected, message) for message in logged), logged


def test_a_locked_account_and_address_leave_other_accounts_and_addresses_alone(client, settings):
    settings.ACCOUNT_RATE_LIMITS = account_limits(
        login_failures_per_account=(3, 900), login_failures_per_address=(50, 900)
    )
    email, other_email = fresh_email(), fresh_email("bert")
    address, other_address = fresh_address(), fresh_address()
    make_account(email)
    make_account(other_email)
    for _ in range(3):
        log_in(client, email, WRONG, address)
    assert log_in(client, email, PASSWORD, address).status_code == 429

    other_account = log_in(client, other_email, PASSWORD, address)
    assert other_account.status_code == 302
    client.post("/accounts/logout/")
    same_account_elsewhere = log_in(client, email.upper(), PASSWORD, other_address)
    assert same_account_elsewhere.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(username=email).pk)


def test_the_lock_opens_when_its_window_closes(client, settings):
    settings.ACCOUNT_RATE_LIMITS = account_limits(
        login_failures_per_account=(2, 3), login_failures_per_address=(50, 3)
    )
    email, address = fresh_email(), fresh_address()
    make_account(email)
    log_in(client, email, WRONG, address)
    log_in(client, email, WRONG, address)
    locked = log_in(client, email, PASSWORD, address)
    assert locked.status_code == 429

    # A three-second window: a one-second one could close before the third attempt on a loaded machine.
    time.sleep(int(locked["Retry-After"]) + 0.2)
    opened = log_in(client, email, PASSWORD, address)

    assert opened.status_code == 302
    assert "_auth_user_id" in client.session


def test_a_right_password_forgets_the_accounts_failures_from_that_address(client, settings):
    settings.ACCOUNT_RATE_LIMITS = account_limits(
        login_failures_per_account=(3, 900), login_failures_per_address=(50, 900)
    )
    email, address = fresh_email(), fresh_address()
    make_account(email)
    first = [log_in(client, email, WRONG, address).status_code for _ in range(2)]
    assert log_in(client, email, PASSWORD, address).status_code == 302
    client.post("/accounts/logout/")

    again = [log_in(client, email, WRONG, address).status_code for _ in range(3)]

    assert first == [200, 200]
    assert again == [200, 200, 429]


def test_failures_from_one_address_over_many_accounts_lock_that_address(client, settings):
    settings.ACCOUNT_RATE_LIMITS = account_limits(
        login_failures_per_account=(5, 900), login_failures_per_address=(3, 900)
    )
    address, other_address = fresh_address(), fresh_address()
    emails = [fresh_email(name) for name in ("anna", "bert", "carl", "dora")]
    for email in emails:
        make_account(email)

    statuses = [log_in(client, email, WRONG, address).status_code for email in emails[:3]]
    fourth = log_in(client, emails[3], PASSWORD, address)

    assert statuses == [200, 200, 429]
    assert_refused(fourth, "There were too many failed log-ins from your address.")
    assert log_in(client, emails[3], PASSWORD, other_address).status_code == 302


def test_unknown_account_names_are_counted_like_known_ones(client, settings):
    """The lock must not tell whether an account exists."""
    settings.ACCOUNT_RATE_LIMITS = account_limits(
        login_failures_per_account=(2, 900), login_failures_per_address=(50, 900)
    )
    address = fresh_address()

    statuses = [log_in(client, fresh_email("nobody"), WRONG, address).status_code for _ in range(2)]
    name = fresh_email("nobody")
    same_name = [log_in(client, name, WRONG, address).status_code for _ in range(3)]

    assert statuses == [200, 200]
    assert same_name == [200, 429, 429]


def test_the_admin_log_in_is_limited_too(client, settings):
    settings.ACCOUNT_RATE_LIMITS = account_limits(
        login_failures_per_account=(3, 900), login_failures_per_address=(50, 900)
    )
    email, address = fresh_email("root"), fresh_address()
    User.objects.create_superuser(email, email, PASSWORD)

    statuses = [log_in(client, email, WRONG, address, url="/admin/login/").status_code for _ in range(3)]
    right_password = log_in(client, email, PASSWORD, address, url="/admin/login/")

    assert statuses == [200, 200, 429]
    assert_refused(right_password, "too many failed log-ins to this account")
    assert "_auth_user_id" not in client.session


def test_x_forwarded_for_is_believed_only_behind_a_configured_proxy(client, settings):
    settings.ACCOUNT_RATE_LIMITS = account_limits(
        login_failures_per_account=(2, 900), login_failures_per_address=(50, 900)
    )
    email, proxy = fresh_email(), fresh_address()
    make_account(email)

    settings.TRUSTED_PROXY_COUNT = 0
    for _ in range(2):
        log_in(client, email, WRONG, proxy)
    made_up = client.post(
        "/accounts/login/",
        {"username": email, "password": PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR=fresh_address(),
    )
    assert made_up.status_code == 429  # a header anyone can send does not make a new client

    settings.TRUSTED_PROXY_COUNT = 1
    client_behind_proxy = fresh_address()
    forwarded = {"REMOTE_ADDR": proxy, "HTTP_X_FORWARDED_FOR": f"{fresh_address()}, {client_behind_proxy}"}
    for _ in range(2):
        client.post("/accounts/login/", {"username": email, "password": WRONG}, **forwarded)
    # What the client wrote before the proxy's entry changes nothing: the proxy's entry is the client.
    forwarded["HTTP_X_FORWARDED_FOR"] = f"{fresh_address()}, {client_behind_proxy}"
    locked = client.post("/accounts/login/", {"username": email, "password": PASSWORD}, **forwarded)
    assert locked.status_code == 429
    another_client = {"REMOTE_ADDR": proxy, "HTTP_X_FORWARDED_FOR": fresh_address()}
    assert (
        client.post(
            "/accounts/login/", {"username": email, "password": PASSWORD}, **another_client
        ).status_code
        == 302
    )


def sign_up(client, email: str, address: str):
    data = {
        "email": email,
        "first_name": "Anna",
        "last_name": "Lind",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    response = client.post("/accounts/signup/", data, REMOTE_ADDR=address)
    client.post("/accounts/logout/")
    return response


def test_sign_ups_are_limited_per_address(client, settings):
    settings.ACCOUNT_RATE_LIMITS = account_limits(signups_per_address=(2, 3600))
    address, other_address = fresh_address(), fresh_address()
    emails = [fresh_email() for _ in range(4)]

    statuses = [sign_up(client, email, address).status_code for email in emails[:3]]
    elsewhere = sign_up(client, emails[3], other_address)

    assert statuses == [302, 302, 429]
    third = client.post("/accounts/signup/", {"email": emails[2]}, REMOTE_ADDR=address)
    assert_refused(third, "There were too many sign-ups from your address.")
    assert not User.objects.filter(username=emails[2]).exists()
    assert elsewhere.status_code == 302
    assert User.objects.filter(username=emails[3]).exists()


def test_password_resets_are_limited_per_address_and_per_account(client, settings):
    settings.ACCOUNT_RATE_LIMITS = account_limits(
        password_resets_per_address=(2, 3600), password_resets_per_account=(2, 3600)
    )
    email = fresh_email()
    make_account(email)
    first, second, third = fresh_address(), fresh_address(), fresh_address()

    def reset(address_, email_=email):
        return client.post("/accounts/password-reset/", {"email": email_}, REMOTE_ADDR=address_)

    per_account = [reset(first).status_code, reset(second).status_code]
    refused_for_account = reset(third)
    per_address = [reset(first, fresh_email()).status_code, reset(first, fresh_email()).status_code]

    assert per_account == [302, 302]
    assert_refused(refused_for_account, "Too many password resets were asked for this e-mail address.")
    assert per_address == [302, 429]
    assert [message.to for message in mail.outbox] == [[email], [email]]


def test_limits_are_counted_by_the_server_across_requests(start_server, transactional_db):
    """Over real HTTP, behind a proxy that says who the client is: 429 with the page and Retry-After."""
    email, address = fresh_email(), fresh_address()
    make_account(email)
    base = start_server(
        {
            "LOGIN_FAILURES_PER_ACCOUNT": "3",
            "LOGIN_FAILURES_PER_ADDRESS": "50",
            "LOGIN_LOCK_SECONDS": "600",
            "TRUSTED_PROXY_COUNT": "1",
        },
        # Redis counts for every process; the in-process cache of the embedded default, per process.
        workers=2 if _counted_together() else 1,
    )
    session = requests.Session()
    session.headers["X-Forwarded-For"] = address

    def attempt(password: str) -> requests.Response:
        form = session.get(f"{base}/accounts/login/", timeout=10).text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        return session.post(
            f"{base}/accounts/login/",
            {"username": email, "password": password, "csrfmiddlewaretoken": token},
            allow_redirects=False,
            timeout=30,
        )

    statuses = [attempt(WRONG).status_code for _ in range(3)]
    locked = attempt(PASSWORD)

    assert statuses == [200, 200, 429]
    assert locked.status_code == 429
    assert "<h1>Too many attempts</h1>" in locked.text
    assert 0 < int(locked.headers["Retry-After"]) <= 600
    session.headers["X-Forwarded-For"] = fresh_address()
    assert attempt(PASSWORD).status_code == 302


def _counted_together() -> bool:
    from django.conf import settings

    return "redis" in settings.CACHES["default"]["BACKEND"].lower()
