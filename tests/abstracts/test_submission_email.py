"""The confirmation e-mail on submit, sent by a real Celery worker after the commit."""

import time
from datetime import timedelta
from email import message_from_string

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from abstracts.models import Abstract
from tests.abstracts.test_submission import form_data, open_call_event


def mails_to(folder, address: str) -> list:
    found = []
    for path in sorted(folder.glob("*.log")):
        for part in path.read_text().split("-" * 79):
            if part.strip() and f"To: {address}" in part:
                found.append(message_from_string(part.strip()))
    return found


@pytest.mark.worker
def test_submitting_sends_one_confirmation_by_the_worker_and_a_draft_sends_none(
    client, transactional_db, celery_worker_process, mail_folder
):
    event = open_call_event()
    user = User.objects.create_user("li@example.org", "li@example.org", "x", first_name="Li")
    client.force_login(user)

    client.post(f"/events/{event.slug}/submit/", form_data(event, title="A draft only"))
    client.post(
        f"/events/{event.slug}/submit/", form_data(event, action="submit", title="Leaf <i>imaging</i>")
    )

    abstract = Abstract.objects.get(status="submitted")
    deadline = time.monotonic() + 60
    while not mails_to(mail_folder, "li@example.org") and time.monotonic() < deadline:
        time.sleep(0.3)
    time.sleep(1)  # long enough for a second, wrong, e-mail to show up too
    mails = mails_to(mail_folder, "li@example.org")
    assert len(mails) == 1
    assert mails[0]["Subject"] == f"Abstract received: Leaf <i>imaging</i> ({event.name})".replace(
        "<i>", ""
    ).replace("</i>", "")
    body = mails[0].get_payload(decode=True).decode()
    assert "Dear Li," in body and "Leaf imaging" in body
    assert f"/events/{event.slug}/abstracts/{abstract.pk}/" in body
    assert timezone.now() - abstract.submitted_at < timedelta(minutes=5)
