"""An organiser opens the letters page from the board in headless Chromium, previews, queues,
confirms the release, and sees the letters sent by the worker."""

import pytest
from playwright.sync_api import expect

from decisions.models import Letter
from tests.conftest import ARTIFACTS
from tests.decisions.conftest import ORGANISER_PASSWORD, decided_event, mails_to, wait_until

VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}


def log_in(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.browser
@pytest.mark.worker
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_an_organiser_previews_queues_and_releases_the_letters(
    web_server, celery_worker_process, page_at, transactional_db, mail_folder, viewport
):
    event, organiser = decided_event(f"web{viewport}", accepted=3, rejected=2)
    page = page_at(*VIEWPORTS[viewport])
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, web_server, organiser.email, ORGANISER_PASSWORD)
    page.goto(f"{web_server}/events/{event.slug}/board/")
    page.get_by_role("link", name="Decision letters").click()
    expect(page.get_by_role("heading", name="Decision letters", level=1)).to_be_visible()

    # The preview shows real abstracts with their code and session.
    first_preview = page.locator("#letter-accepted .letter-preview").first
    assert "PS01" in first_preview.locator(".letter-meta").inner_text()
    assert "Poster code: PS01\nSession: Biomedicine" in first_preview.locator(".letter-body").inner_text()

    # A wrong placeholder is refused with a message naming it.
    subject = page.locator("#letter-accepted").get_by_label("Subject")
    subject.fill("Accepted: {titel}")
    page.locator("#letter-accepted").get_by_role("button", name="Save").click()
    assert "Unknown placeholder: {titel}." in page.locator(".form-errors").inner_text()
    page.locator("#letter-accepted").get_by_label("Subject").fill("[{code}] accepted: {title}")
    page.locator("#letter-accepted").get_by_role("button", name="Save").click()
    assert "Acceptance letter saved." in page.locator(".messages").inner_text()
    assert (
        "[PS01] accepted: In vivo study a1"
        in page.locator("#letter-accepted .letter-subject").first.inner_text()
    )

    page.get_by_role("button", name="Queue letters for all accepted (3)").click()
    assert "3 acceptance letters queued." in page.locator(".messages").inner_text()
    page.get_by_role("button", name="Queue letters for all rejected (2)").click()
    expect(page.locator(".outbox-row")).to_have_count(5)

    page.get_by_role("link", name="Release all queued (5)…").click()
    expect(page.get_by_role("heading", name="Release 5 letters?")).to_be_visible()
    assert "3 acceptance letters and 2 rejection letters to 5 addresses" in page.locator(".lead").inner_text()
    page.screenshot(path=str(ARTIFACTS / f"letters-release-{viewport}.png"), full_page=True)
    assert mails_to(mail_folder, f"web{viewport}-a1@example.org") == []
    page.get_by_role("button", name="Release 5 letters").click()
    assert "5 letters released; they are being sent." in page.locator(".messages").inner_text()

    assert wait_until(
        lambda: set(Letter.objects.filter(event=event).values_list("state", flat=True)) == {"sent"}
    )
    page.reload()
    expect(page.locator(".outbox-sent")).to_have_count(5)
    page.screenshot(path=str(ARTIFACTS / f"letters-{viewport}.png"), full_page=True)
    page.goto(f"{web_server}/events/{event.slug}/board/letters/release/")
    expect(page.get_by_role("heading", name="No letters to release")).to_be_visible()
    assert [mail["Subject"] for mail in mails_to(mail_folder, f"web{viewport}-a1@example.org")] == [
        "[PS01] accepted: In vivo study a1"
    ]
    assert errors == []
