"""Sending a confirmation while an organiser holds the event locked: no deadlock (PostgreSQL)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction  # noqa: F401 - the skip condition names connection
from django.utils import timezone

from abstracts.models import Abstract
from abstracts.services import abstract_confirmation_send
from conference.models import Event
from tests.api.conftest import make_user
from tests.factories import make_abstract, make_event

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="SQLite has no row locks"),
]


def test_a_confirmation_sent_while_an_organiser_holds_the_event_finishes_and_so_does_the_organiser(settings):
    # Seen in CI: the worker's last write of a sent confirmation was two UPDATEs of the abstract in one
    # transaction, which makes PostgreSQL check the event foreign key at COMMIT (FOR KEY SHARE on the
    # event); an organiser giving a poster code holds the event FOR UPDATE and then waits for the
    # abstract: a deadlock.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    event = make_event(call_opens_at=timezone.now() - timedelta(days=1))
    abstract = make_abstract(event, submitter=make_user("ada@example.org"), status=Abstract.Status.SUBMITTED)
    Abstract.objects.filter(pk=abstract.pk).update(confirmation_due_at=timezone.now())
    outcome: dict[str, object] = {}

    def worker_sends() -> None:
        try:
            outcome["worker"] = abstract_confirmation_send(abstract_id=abstract.pk)
        except Exception as error:
            outcome["worker"] = error
        finally:
            connections.close_all()

    worker = threading.Thread(target=worker_sends)
    try:
        with transaction.atomic():
            Event.objects.select_for_update().get(pk=event.pk)
            worker.start()
            worker.join(10)  # blocked at its COMMIT if it needs the event: then the next line deadlocks
            Abstract.objects.filter(pk=abstract.pk).update(code="PS1")
        outcome["organiser"] = "saved"
    except Exception as error:
        outcome["organiser"] = error
    worker.join(30)

    assert outcome == {"worker": "sent", "organiser": "saved"}
    abstract.refresh_from_db()
    assert abstract.code == "PS1"
    assert abstract.confirmation_sent_at is not None and abstract.confirmation_due_at is None
