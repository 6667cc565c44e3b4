"""Submission confirmations are never lost and never sent twice: a submission made while the broker is
down is confirmed by the periodic resend, a task racing the resend sends one e-mail, a failed send is
released for its retry, and the migration records abstracts submitted before it as confirmed."""

import contextlib
import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from abstracts.models import Abstract
from abstracts.services import abstract_confirmations_resend
from abstracts.tasks import resend_unsent_confirmations, send_submission_confirmation
from conference.celery import app as celery_app
from tests.abstracts.test_submission import form_data, open_call_event
from tests.brokers import UNREACHABLE_BROKER, point_celery_at
from tests.decisions import conftest as letters
from tests.decisions.conftest import free_closed_port, mails_to, purge, tasks_go_to, wait_until
from tests.factories import make_abstract, make_event

pytestmark = pytest.mark.django_db(transaction=True)

LOST = "nobody-reads-confirmations"
own_worker = letters.own_worker  # the decision letters' fixture: a worker of a test's own


@contextlib.contextmanager
def broker_down():
    """Tasks sent inside go to a broker nothing listens for (connecting is refused at once)."""
    original = celery_app.conf.broker_url
    point_celery_at(UNREACHABLE_BROKER)
    try:
        yield
    finally:
        point_celery_at(original)


@pytest.fixture
def lost_tasks_queue():
    """A queue no worker reads: tasks sent there are as good as lost."""
    yield LOST
    purge(LOST)


def submitter(address: str) -> User:
    return User.objects.create_user(address, address, None, first_name="Dora")


def submit(client, event, abstract: Abstract | None = None, **fields):
    url = (
        f"/events/{event.slug}/abstracts/{abstract.pk}/edit/" if abstract else f"/events/{event.slug}/submit/"
    )
    return client.post(url, form_data(event, action="submit", **fields))


def make_overdue(abstract: Abstract) -> None:
    """As if the resend's minute had passed since the confirmation fell due."""
    Abstract.objects.filter(pk=abstract.pk).update(confirmation_due_at=timezone.now() - timedelta(minutes=2))


def confirmation(abstract: Abstract) -> tuple:
    abstract.refresh_from_db()
    return abstract.confirmation_due_at, abstract.confirmation_sent_at, abstract.confirmation_claimed_until


def resend_by_the_worker() -> int:
    return resend_unsent_confirmations.apply_async().get(timeout=30)


@pytest.mark.worker
def test_a_submission_made_with_the_broker_down_is_confirmed_by_the_resend_exactly_once(
    client, celery_worker_process, mail_folder
):
    event = open_call_event()
    client.force_login(submitter("down@example.org"))

    with broker_down():
        response = submit(client, event, title="Roots under drought")

    abstract = Abstract.objects.get(submitter__email="down@example.org")
    assert response.status_code == 302 and abstract.status == "submitted"
    due, sent, claimed = confirmation(abstract)
    assert due is not None and (sent, claimed) == (None, None)

    assert resend_by_the_worker() == 0  # due less than a minute: its task may still come
    time.sleep(2)
    assert mails_to(mail_folder, "down@example.org") == []  # no task was queued: none came

    make_overdue(abstract)
    assert resend_by_the_worker() == 1
    assert wait_until(lambda: mails_to(mail_folder, "down@example.org"))
    assert resend_by_the_worker() == 0
    time.sleep(2)  # long enough for a second, wrong, e-mail to show up too
    mails = mails_to(mail_folder, "down@example.org")
    assert [mail["Subject"] for mail in mails] == [f"Abstract received: Roots under drought ({event.name})"]
    assert "Dear Dora," in mails[0].get_payload(decode=True).decode()
    due, sent, claimed = confirmation(abstract)
    assert (due, claimed) == (None, None) and timezone.now() - sent < timedelta(minutes=1)


@pytest.mark.worker
def test_a_submission_made_again_with_the_broker_down_is_confirmed_again_as_it_is_today(
    client, celery_worker_process, mail_folder
):
    event = open_call_event()
    client.force_login(submitter("again@example.org"))
    submit(client, event, title="First title")
    abstract = Abstract.objects.get(submitter__email="again@example.org")
    assert wait_until(
        lambda: confirmation(abstract)[0] is None and mails_to(mail_folder, "again@example.org")
    )
    first_sent = confirmation(abstract)[1]

    with broker_down():
        response = submit(client, event, abstract, title="Second title")

    assert response.status_code == 302
    due, sent, _ = confirmation(abstract)
    assert due is not None and sent == first_sent  # the new submit's confirmation is due, not sent
    make_overdue(abstract)
    assert resend_by_the_worker() == 1
    assert wait_until(lambda: len(mails_to(mail_folder, "again@example.org")) == 2)
    time.sleep(2)
    subjects = [mail["Subject"] for mail in mails_to(mail_folder, "again@example.org")]
    assert subjects == [
        f"Abstract received: First title ({event.name})",
        f"Abstract received: Second title ({event.name})",
    ]
    due, sent, _ = confirmation(abstract)
    assert due is None and sent > first_sent


@pytest.mark.worker
def test_the_submission_task_and_the_resend_racing_send_one_e_mail(
    client, own_worker, mail_folder, lost_tasks_queue
):
    event = open_call_event()
    client.force_login(submitter("race@example.org"))
    with tasks_go_to(lost_tasks_queue):  # the submission's own task waits where nobody reads
        submit(client, event, title="Raced")
    abstract = Abstract.objects.get(submitter__email="race@example.org")
    make_overdue(abstract)

    with own_worker(concurrency=4):
        # The submission's task, sent again and again, and the resend queueing it, taken by four
        # processes at once.
        for _ in range(4):
            send_submission_confirmation.apply_async(kwargs={"abstract_id": abstract.pk})
            abstract_confirmations_resend()
        assert wait_until(lambda: confirmation(abstract)[0] is None)
        time.sleep(3)
        # And once more each, long after it was sent.
        again = send_submission_confirmation.apply_async(kwargs={"abstract_id": abstract.pk})
        assert again.get(timeout=30) == "nothing to send"
        assert abstract_confirmations_resend() == 0

    assert len(mails_to(mail_folder, "race@example.org")) == 1
    due, sent, claimed = confirmation(abstract)
    assert due is None and sent is not None and claimed is None


@pytest.mark.worker
def test_a_failed_send_releases_the_confirmation_for_its_retry_and_the_resend_sends_it(
    client, own_worker, celery_worker_process, mail_folder
):
    event = open_call_event()
    client.force_login(submitter("smtp@example.org"))
    broken_smtp = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(free_closed_port()),
    }

    with own_worker(**broken_smtp):
        submitted = timezone.now()
        submit(client, event, title="Refused at first")
        abstract = Abstract.objects.get(submitter__email="smtp@example.org")
        # The first try is refused: the claim is released and it falls due again with the retry, 30 s on.
        assert wait_until(lambda: confirmation(abstract)[0] > submitted + timedelta(seconds=20))
        due, sent, claimed = confirmation(abstract)
        assert (sent, claimed) == (None, None)
        assert due - submitted < timedelta(seconds=40)
    assert mails_to(mail_folder, "smtp@example.org") == []

    # That worker and its retry are gone; the SMTP server is back (the suite's worker writes files).
    assert resend_by_the_worker() == 0  # the retry's time has not come yet
    make_overdue(abstract)
    assert resend_by_the_worker() == 1
    assert wait_until(lambda: mails_to(mail_folder, "smtp@example.org"))
    time.sleep(2)
    assert len(mails_to(mail_folder, "smtp@example.org")) == 1
    assert confirmation(abstract)[0] is None


def test_the_resend_leaves_drafts_recent_held_and_never_submitted_abstracts_and_drops_those_without_address(
    lost_tasks_queue,
):
    event = make_event()
    long_ago = timezone.now() - timedelta(minutes=5)
    overdue = make_abstract(event, status="submitted", submitter=submitter("late@example.org"))
    recent = make_abstract(event, status="submitted", submitter=submitter("recent@example.org"))
    draft = make_abstract(event, status="draft", submitter=submitter("draft@example.org"))
    held = make_abstract(event, status="accepted", submitter=submitter("held@example.org"))
    imported = make_abstract(event, status="submitted", submitter=submitter("imported@example.org"))
    no_address = make_abstract(event, status="submitted", submitter=User.objects.create_user("noaddress"))
    nobody = make_abstract(event, status="submitted")
    Abstract.objects.filter(pk__in=[overdue.pk, draft.pk, held.pk, no_address.pk, nobody.pk]).update(
        confirmation_due_at=long_ago
    )
    Abstract.objects.filter(pk=recent.pk).update(confirmation_due_at=timezone.now())
    Abstract.objects.filter(pk=held.pk).update(
        confirmation_claimed_until=timezone.now() + timedelta(minutes=5)
    )

    with tasks_go_to(lost_tasks_queue):
        queued = abstract_confirmations_resend()

    assert queued == 1  # the overdue one
    due = dict(Abstract.objects.values_list("pk", "confirmation_due_at"))
    assert due[overdue.pk] == due[draft.pk] == due[held.pk] == long_ago  # still due until sent
    assert due[recent.pk] is not None
    assert due[imported.pk] is None  # never submitted through the site: no confirmation was asked for
    assert due[no_address.pk] is None and due[nobody.pk] is None  # nothing to send: no longer due
    assert not Abstract.objects.filter(confirmation_sent_at__isnull=False).exists()


def test_the_migration_records_abstracts_submitted_before_it_as_confirmed_and_none_is_resent(
    lost_tasks_queue,
):
    event = make_event()
    first, second = timezone.now() - timedelta(days=3), timezone.now() - timedelta(days=2)
    submitted = make_abstract(
        event, status="submitted", submitted_at=first, submitter=submitter("s@example.org")
    )
    decided = make_abstract(
        event, status="rejected", submitted_at=second, submitter=submitter("r@example.org")
    )
    draft = make_abstract(event, status="draft", submitter=submitter("d@example.org"))
    imported = make_abstract(event, status="accepted", submitter=submitter("i@example.org"))

    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate([("abstracts", "0004_submission_fields")])
    executor = MigrationExecutor(connection)
    executor.migrate(latest)

    sent = dict(Abstract.objects.values_list("pk", "confirmation_sent_at"))
    assert sent == {submitted.pk: first, decided.pk: second, draft.pk: None, imported.pk: None}
    assert not Abstract.objects.filter(confirmation_due_at__isnull=False).exists()
    with tasks_go_to(lost_tasks_queue):
        assert abstract_confirmations_resend() == 0
