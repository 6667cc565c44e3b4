"""Sign-up, log-in, log-out and password reset, through HTTP."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from accounts.services import user_sign_up

User = get_user_model()
PASSWORD = "quiet harbour 1987"


def sign_up(client, **fields):
    data = {
        "email": "anna@example.org",
        "first_name": "Anna",
        "last_name": "Lindqvist",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **fields,
    }
    return client.post("/accounts/signup/", data)


def field_errors(html: str, field: str) -> list[str]:
    """The messages shown under one field of the form (by its id), as text."""
    match = re.search(rf'<ul class="errorlist field-error" id="id_{field}_error">(.*?)</ul>', html, re.S)
    if not match:
        return []
    return [
        re.sub(r"<[^>]+>", "", item).replace("Error: ", "").replace("&#x27;", "'").strip()
        for item in re.findall(r"<li>(.*?)</li>", match.group(1), re.S)
    ]


def make_account(email: str = "anna@example.org", password: str = PASSWORD) -> User:
    return user_sign_up(email=email, password=password, first_name="Anna", last_name="Lindqvist")


@pytest.mark.django_db
def test_sign_up_stores_the_account_logs_it_in_and_goes_home(client):
    response = sign_up(client, email="Anna.Lindqvist@Example.ORG")

    assert response.status_code == 302
    assert response.url == "/"
    user = User.objects.get()
    assert (user.username, user.email) == ("anna.lindqvist@example.org", "Anna.Lindqvist@example.org")
    assert (user.first_name, user.last_name) == ("Anna", "Lindqvist")
    assert user.check_password(PASSWORD)
    assert not user.is_staff
    home = client.get("/").content.decode()
    assert '<span class="site-user-email">Anna.Lindqvist@example.org</span>' in home
    assert ">Log out</button>" in home
    assert ">Log in</a>" not in home


@pytest.mark.django_db
def test_sign_up_goes_on_to_the_next_page_on_this_site_only(client):
    response = client.post("/accounts/signup/?next=/events/", {})
    assert '<input type="hidden" name="next" value="/events/">' in response.content.decode()

    response = sign_up(client, next="/events/")
    assert response.url == "/events/"

    client.post("/accounts/logout/")
    response = sign_up(client, email="other@example.org", next="https://evil.example.com/")
    assert response.url == "/"


@pytest.mark.django_db
def test_sign_up_refuses_an_address_registered_in_another_case(client):
    make_account("anna@example.org")

    response = sign_up(client, email="ANNA@Example.org")

    assert response.status_code == 200
    html = response.content.decode()
    assert field_errors(html, "email") == [
        "An account with this e-mail address already exists. Log in, or reset your password."
    ]
    assert User.objects.count() == 1
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_sign_up_shows_the_password_validators_messages_by_the_password(client):
    short = sign_up(client, password1="x7#k", password2="x7#k").content.decode()
    common = sign_up(client, password1="password123", password2="password123").content.decode()
    numeric = sign_up(client, password1="90817263545", password2="90817263545").content.decode()
    like_the_address = sign_up(client, password1="annaexample", password2="annaexample").content.decode()

    assert field_errors(short, "password1") == [
        "This password is too short. It must contain at least 8 characters."
    ]
    assert field_errors(common, "password1") == ["This password is too common."]
    assert field_errors(numeric, "password1") == ["This password is entirely numeric."]
    assert field_errors(like_the_address, "password1") == [
        "The password is too similar to the email address."
    ]
    assert field_errors(short, "password2") == []
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_sign_up_refuses_two_different_passwords(client):
    html = sign_up(client, password2=PASSWORD + "!").content.decode()

    assert field_errors(html, "password2") == [
        "The two passwords are not the same. Type the same password in both fields."
    ]
    assert field_errors(html, "password1") == []
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_sign_up_errors_are_summarised_linked_and_tied_to_their_inputs(client):
    html = sign_up(client, email="not an address", last_name="", password2="other").content.decode()

    assert "<title>Error: Sign up</title>" in html
    summary = re.search(r'<div class="form-errors"[^>]*>(.*?)</div>', html, re.S)
    assert 'role="alert" tabindex="-1" autofocus' in summary.group(0)
    links = re.findall(r'<a href="#(id_\w+)">([^<]*)</a>', summary.group(1))
    assert links == [
        ("id_email", "E-mail address: Enter a valid email address."),
        ("id_last_name", "Family name: This field is required."),
        (
            "id_password2",
            "Password again: The two passwords are not the same. Type the same password in both fields.",
        ),
    ]
    email_input = re.search(r'<input type="email" name="email"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in email_input
    assert 'aria-describedby="id_email_helptext id_email_error"' in email_input
    first_name_input = re.search(r'<input type="text" name="first_name"[^>]*>', html).group(0)
    assert "aria-invalid" not in first_name_input  # given names are optional (some people have one name)
    assert 'id="id_email_helptext"' in html
    assert field_errors(html, "email") == ["Enter a valid email address."]


@pytest.mark.django_db
def test_log_in_takes_the_address_in_any_case(client):
    make_account("anna@example.org")

    response = client.post("/accounts/login/", {"username": "  Anna@EXAMPLE.org", "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == "/"
    assert client.session["_auth_user_id"] == str(User.objects.get().pk)


@pytest.mark.django_db
def test_log_in_still_takes_a_user_name_made_in_the_admin(client):
    User.objects.create_superuser("admin", "admin@localhost", PASSWORD)

    response = client.post("/accounts/login/?next=/events/", {"username": "admin", "password": PASSWORD})

    assert response.url == "/events/"


@pytest.mark.django_db
def test_log_in_with_a_wrong_password_says_so_without_saying_which_part_is_wrong(client):
    make_account("anna@example.org")

    wrong_password = client.post("/accounts/login/", {"username": "anna@example.org", "password": "nope"})
    unknown_address = client.post("/accounts/login/", {"username": "bob@example.org", "password": "nope"})

    message = (
        "The e-mail address and password do not match an account. Check both; the password is case-sensitive."
    )
    for response in (wrong_password, unknown_address):
        assert response.status_code == 200
        html = response.content.decode()
        assert '<div class="form-errors" id="form-errors" role="alert"' in html
        assert f"<li>{message}</li>" in html
        assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_log_out_is_a_post_and_goes_home(client):
    make_account()
    client.login(username="anna@example.org", password=PASSWORD)

    assert client.get("/accounts/logout/").status_code == 405
    assert "_auth_user_id" in client.session

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response.url == "/"
    assert "_auth_user_id" not in client.session
    home = client.get("/").content.decode()
    assert '<a href="/accounts/login/">Log in</a>' in home
    assert '<a href="/accounts/signup/">Sign up</a>' in home


@pytest.mark.django_db
def test_a_forgotten_password_is_reset_through_the_link_in_the_email(client):
    make_account("anna@example.org", password="the old one 42")

    response = client.post("/accounts/password-reset/", {"email": "ANNA@example.org"})
    assert response.url == "/accounts/password-reset/done/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["anna@example.org"]
    assert message.subject == "Choose a new password for testserver"
    assert message.body.startswith("Hello Anna,\n")
    assert "it works once, for 24 hours" in message.body
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)

    # Django moves the token from the link into the session, then shows the form.
    form_url = client.get(link).url
    assert form_url.endswith("/set-password/")
    assert "Choose a new password" in client.get(form_url).content.decode()
    too_short = client.post(form_url, {"new_password1": "short", "new_password2": "short"})
    assert field_errors(too_short.content.decode(), "new_password1") == [
        "This password is too short. It must contain at least 8 characters."
    ]
    response = client.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.url == "/accounts/reset/done/"

    assert not client.login(username="anna@example.org", password="the old one 42")
    response = client.post("/accounts/login/", {"username": "Anna@Example.org", "password": PASSWORD})
    assert response.url == "/"
    # The link works once.
    used = client.get(link, follow=True).content.decode()
    assert "This link no longer works" in used


@pytest.mark.django_db
def test_a_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client):
    make_account("anna@example.org")

    known = client.post("/accounts/password-reset/", {"email": "anna@example.org"}, follow=True)
    unknown = client.post("/accounts/password-reset/", {"email": "nobody@example.org"}, follow=True)

    assert known.redirect_chain == unknown.redirect_chain == [("/accounts/password-reset/done/", 302)]
    assert known.content == unknown.content
    assert [message.to for message in mail.outbox] == [["anna@example.org"]]


@pytest.mark.django_db
def test_a_logged_in_user_changes_the_password(client):
    make_account()
    client.login(username="anna@example.org", password=PASSWORD)

    response = client.post(
        "/accounts/password-change/",
        {"old_password": PASSWORD, "new_password1": "a new tune 2025", "new_password2": "a new tune 2025"},
    )

    assert response.url == "/accounts/password-change/done/"
    assert User.objects.get().check_password("a new tune 2025")
    assert "_auth_user_id" in client.session


def test_the_password_change_page_asks_to_log_in_first(client, db):
    response = client.get("/accounts/password-change/")

    assert response.url == "/accounts/login/?next=/accounts/password-change/"


@pytest.mark.django_db
def test_the_service_refuses_what_the_form_refuses():
    from django.core.exceptions import ValidationError

    make_account("anna@example.org")

    with pytest.raises(ValidationError) as refused:
        user_sign_up(email="ANNA@example.org", password="123", first_name="A", last_name="B")

    assert refused.value.message_dict == {
        "email": ["An account with this e-mail address already exists. Log in, or reset your password."],
        "password": [
            "This password is too short. It must contain at least 8 characters.",
            "This password is too common.",
            "This password is entirely numeric.",
        ],
    }
