"""Sign-up, log-out and log-in in real headless Chromium, at desktop and phone widths."""

import pytest

from accounts.services import user_sign_up
from tests.conftest import ARTIFACTS

VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}
PASSWORD = "quiet harbour 1987"


def nav_text(page) -> str:
    return page.locator(".site-user").inner_text()


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_sign_up_with_the_keyboard_log_out_and_log_in_again(web_server, page_at, transactional_db, viewport):
    page = page_at(*VIEWPORTS[viewport])
    page.goto(f"{web_server}/")
    page.get_by_role("link", name="Sign up").click()
    page.wait_for_load_state("networkidle")

    # The address field has the focus; the rest is typed and tabbed through, and Enter sends it.
    assert page.evaluate("document.activeElement.id") == "id_email"
    for text in ["Anna.Lindqvist@example.org", "Anna", "Lindqvist", PASSWORD, PASSWORD]:
        page.keyboard.type(text)
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Create the account"
    page.screenshot(path=str(ARTIFACTS / f"accounts-signup-{viewport}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # Labels sit above full-width inputs.
    email_box = page.locator("#id_email").bounding_box()
    form_box = page.locator("form.form").bounding_box()
    assert email_box["width"] == pytest.approx(form_box["width"], abs=1)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{web_server}/")

    assert "Anna.Lindqvist@example.org" in nav_text(page)
    assert "Log in" not in nav_text(page)

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{web_server}/")
    assert "Anna.Lindqvist@example.org" not in nav_text(page)

    page.get_by_role("link", name="Log in").click()
    page.get_by_label("E-mail address").fill("anna.lindqvist@EXAMPLE.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.screenshot(path=str(ARTIFACTS / f"accounts-login-{viewport}.png"), full_page=True)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{web_server}/")
    assert "Anna.Lindqvist@example.org" in nav_text(page)
    page.screenshot(path=str(ARTIFACTS / f"accounts-logged-in-{viewport}.png"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_failed_sign_up_shows_each_error_by_its_field_and_focuses_the_summary(
    web_server, page_at, transactional_db, viewport
):
    user_sign_up(email="anna@example.org", password=PASSWORD, first_name="Anna", last_name="Lindqvist")
    page = page_at(*VIEWPORTS[viewport])
    page.goto(f"{web_server}/accounts/signup/")

    page.get_by_label("E-mail address").fill("ANNA@example.org")
    page.get_by_label("Given names").fill("Anna")
    page.get_by_label("Password", exact=True).fill("password")
    page.get_by_label("Password again").fill("passw0rd")
    page.get_by_role("button", name="Create the account").click()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(ARTIFACTS / f"accounts-signup-error-{viewport}.png"), full_page=True)

    assert page.title() == "Error: Sign up"
    # The summary has the focus, so a screen reader reads it first; it is an alert too.
    assert page.evaluate("document.activeElement.id") == "form-errors"
    summary = page.get_by_role("alert")
    assert summary.locator("h2").inner_text() == "There is a problem"
    assert summary.locator("a").all_inner_texts() == [
        "E-mail address: An account with this e-mail address already exists. Log in, or reset your password.",
        "Family name: This field is required.",
        "Password: This password is too common.",
        "Password again: The two passwords are not the same. Type the same password in both fields.",
    ]
    # Each message is under its own field and read out with the input.
    email = page.locator("#id_email")
    assert email.get_attribute("aria-invalid") == "true"
    described_by = [
        " ".join(page.locator(f"#{element_id}").text_content().split())
        for element_id in email.get_attribute("aria-describedby").split()
    ]
    assert described_by[1] == (
        "Error: An account with this e-mail address already exists. Log in, or reset your password."
    )
    error_box = page.locator("#id_email_error").bounding_box()
    assert error_box["y"] > email.bounding_box()["y"]
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.field-error')).color") == "rgb(179, 38, 30)"
    )
    assert page.locator("#id_first_name").get_attribute("aria-invalid") is None
    assert page.locator("#id_first_name").input_value() == "Anna"
    # Passwords are not sent back to the page.
    assert page.locator("#id_password1").input_value() == ""

    # A link of the summary takes the keyboard to its field.
    summary.get_by_role("link", name="Family name: This field is required.").click()
    assert page.evaluate("document.activeElement.id") == "id_last_name"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
