"""Decision letters sent by real Celery workers into the file-based mail folder: nothing before
release, one e-mail per letter after, never two for one letter, failures kept and recovered."""

import time

import pytest
from django.contrib.auth.models import User

from audit.models import AuditEntry
from decisions.models import Letter
from decisions.tasks import resend_unsent, send_letter
from tests.decisions.conftest import (
    decided_event,
    free_closed_port,
    mails_to,
    purge,
    tasks_go_to,
    wait_until,
)
from tests.factories import make_abstract

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def letters_url(event, part: str = "") -> str:
    return f"/events/{event.slug}/board/letters/{part}"


def queue_and_release(client, event, decision: str = "accepted") -> list[Letter]:
    client.post(letters_url(event, "queue/"), {"decision": decision})
    ids = [letter.pk for letter in client.get(letters_url(event, "release/")).context["letters"]]
    client.post(letters_url(event, "release/"), {"letter": ids})
    return list(Letter.objects.filter(pk__in=ids).order_by("pk"))


def states(letters) -> list[str]:
    return [Letter.objects.get(pk=letter.pk).state for letter in letters]


def test_nothing_is_sent_before_release_and_one_e_mail_per_letter_after(
    client, celery_worker_process, mail_folder
):
    event, organiser = decided_event("send", accepted=3, rejected=1)
    client.force_login(organiser)
    addresses = ["send-a1@example.org", "send-a2@example.org", "send-a3@example.org", "send-r1@example.org"]

    client.post(letters_url(event, "queue/"), {"decision": "accepted"})
    client.post(letters_url(event, "queue/"), {"decision": "rejected"})
    time.sleep(3)  # the worker is running: had anything been sent on queueing, it would be here by now
    assert [len(mails_to(mail_folder, address)) for address in addresses] == [0, 0, 0, 0]
    assert set(Letter.objects.filter(event=event).values_list("state", flat=True)) == {"queued"}

    ids = [letter.pk for letter in client.get(letters_url(event, "release/")).context["letters"]]
    client.post(letters_url(event, "release/"), {"letter": ids})

    assert wait_until(lambda: all(len(mails_to(mail_folder, address)) for address in addresses))
    time.sleep(1)  # long enough for a second, wrong, e-mail to show up too
    assert [len(mails_to(mail_folder, address)) for address in addresses] == [1, 1, 1, 1]
    letters = Letter.objects.filter(event=event).order_by("decision", "recipient")
    assert [(letter.recipient, letter.state, letter.attempts) for letter in letters] == [
        ("send-a1@example.org", "sent", 1),
        ("send-a2@example.org", "sent", 1),
        ("send-a3@example.org", "sent", 1),
        ("send-r1@example.org", "sent", 1),
    ]
    mail = mails_to(mail_folder, "send-a2@example.org")[0]
    assert mail["Subject"] == "Accepted: In vivo study a2 (Letters Meeting send)"
    body = mail.get_payload(decode=True).decode()
    assert "Dear Suba2," in body and "Poster code: PS02\nSession: Earth\n" in body
    # (the mail folder's separator lines take the last newline)
    assert body == Letter.objects.get(recipient="send-a2@example.org").body.rstrip("\n")
    history = list(
        AuditEntry.objects.filter(abstract__code="PS02", abstract__event=event)
        .order_by("at", "pk")
        .values_list("actor_label", "summary")
    )
    assert history == [
        ("send-olga@example.org", "Acceptance letter queued for send-a2@example.org"),
        ("send-olga@example.org", "Acceptance letter released to send-a2@example.org"),
        ("system", "Acceptance letter sent to send-a2@example.org"),
    ]


def test_a_letter_is_sent_once_even_when_its_task_runs_many_times_at_once(client, own_worker, mail_folder):
    event, organiser = decided_event("twice", accepted=1, rejected=0)
    client.force_login(organiser)

    with own_worker(concurrency=4):
        client.post(letters_url(event, "queue/"), {"decision": "accepted"})
        letter = Letter.objects.get(event=event)
        client.post(letters_url(event, "release/"), {"letter": [letter.pk]})
        for _ in range(7):  # seven more tasks for the same letter, taken by four processes at once
            send_letter.apply_async(kwargs={"letter_id": letter.pk})
        assert wait_until(lambda: states([letter]) == ["sent"])
        time.sleep(3)
        # And once more, long after it was sent.
        result = send_letter.apply_async(kwargs={"letter_id": letter.pk})
        assert result.get(timeout=30) == "nothing to send"

    assert len(mails_to(mail_folder, "twice-a1@example.org")) == 1
    letter.refresh_from_db()
    assert (letter.state, letter.attempts) == ("sent", 1)


def test_a_failing_smtp_server_fails_the_letter_with_the_error_and_send_again_recovers_it(
    client, own_worker, celery_worker_process, mail_folder
):
    event, organiser = decided_event("smtp", accepted=2, rejected=0)
    client.force_login(organiser)
    broken_smtp = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(free_closed_port()),
        "DECISIONS_MAIL_RETRIES": "2",
        "DECISIONS_MAIL_RETRY_SECONDS": "1",
    }

    with own_worker(**broken_smtp):
        letters = queue_and_release(client, event)
        assert wait_until(lambda: states(letters) == ["failed", "failed"], seconds=90)

    for letter in letters:
        letter.refresh_from_db()
        assert letter.attempts == 3  # the first try and two retries
        assert letter.error.startswith("ConnectionRefusedError: [Errno 111]")
        assert letter.failed_at is not None and letter.sent_at is None
    assert mails_to(mail_folder, "smtp-a1@example.org") == []
    page = client.get(letters_url(event) + "?state=failed").content.decode()
    assert "ConnectionRefusedError: [Errno 111] Connection refused" in page
    assert "3 attempts" in page
    assert AuditEntry.objects.filter(
        abstract=letters[0].abstract_id,
        summary__startswith="Acceptance letter to smtp-a1@example.org failed:",
    ).exists()

    # The SMTP server is back (the suite's own worker writes to the mail folder): send one again.
    response = client.post(letters_url(event, "outbox/"), {"action": f"again:{letters[0].pk}"}, follow=True)
    assert [str(message) for message in response.context["messages"]] == ["1 letter queued for sending."]
    assert wait_until(lambda: states(letters) == ["sent", "failed"])
    # Then all the others.
    client.post(letters_url(event, "outbox/"), {"action": "again"})
    assert wait_until(lambda: states(letters) == ["sent", "sent"])
    time.sleep(1)
    assert len(mails_to(mail_folder, "smtp-a1@example.org")) == 1
    assert len(mails_to(mail_folder, "smtp-a2@example.org")) == 1
    letters[0].refresh_from_db()
    assert (letters[0].attempts, letters[0].error) == (4, "")


@pytest.fixture
def lost_tasks_queue():
    """A queue no worker reads: tasks sent there are as good as lost."""
    yield "nobody-reads-this-queue"
    purge("nobody-reads-this-queue")


def test_released_letters_whose_tasks_were_lost_are_sent_by_send_again_and_by_the_sweep(
    client, celery_worker_process, mail_folder, lost_tasks_queue
):
    """A broker that loses the tasks: here they go to a queue no worker reads."""
    event, organiser = decided_event("lost", accepted=2, rejected=0)
    client.force_login(organiser)

    with tasks_go_to(lost_tasks_queue):
        letters = queue_and_release(client, event)
    time.sleep(2)
    assert states(letters) == ["released", "released"]
    assert mails_to(mail_folder, "lost-a1@example.org") == []

    client.post(letters_url(event, "outbox/"), {"action": "again", "letter": []})
    assert wait_until(lambda: states(letters) == ["sent", "sent"])

    # The periodic sweep: a letter released long ago and never sent is queued again.
    second = User.objects.create_user("lost-late@example.org", "lost-late@example.org", None)
    make_abstract(event, submitter=second, title="Late", code="PS09")
    with tasks_go_to(lost_tasks_queue):
        late = queue_and_release(client, event)
    assert [letter.recipient for letter in late] == ["lost-late@example.org"]
    Letter.objects.filter(pk=late[0].pk).update(dispatched_at=None)  # as if its task could not be queued
    assert resend_unsent.apply_async().get(timeout=30) == 1
    assert wait_until(lambda: states(late) == ["sent"])
    time.sleep(1)
    for address in ("lost-a1@example.org", "lost-a2@example.org", "lost-late@example.org"):
        assert len(mails_to(mail_folder, address)) == 1, address
