"""Decision letters: organisers queue, release, discard and send again; workers send.

Organisers' services run in one transaction holding the event's row lock (two organisers pressing
a button at once are served one after the other) and record each letter in the abstract's audit
trail. Releasing queues the send tasks only after the commit; if the broker is down then, the
letters stay released and are queued again by "Send again" or by the periodic
``letters_resend_unsent``. A worker claims a letter with one conditional UPDATE before sending it,
so a letter whose task runs twice (or on two workers) is sent once.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from abstracts.models import Abstract
from audit.models import AuditEntry
from audit.services import audit_record, audit_record_each
from conference.models import Event
from decisions.letters import letter_recipient, render_letter, validate_letter_text
from decisions.models import Decision, Letter, LetterTemplate
from decisions.selectors import letter_template_for, stale_letters, with_letter_relations

log = logging.getLogger(__name__)

# A worker sending a letter keeps others off it this long; far more than a send can take, as the
# SMTP connection gives up after SMTP_TIMEOUT_SECONDS.
CLAIM = timedelta(minutes=10)
SMTP_TIMEOUT_SECONDS = 60
ACTIVE_STATES = (Letter.State.QUEUED, Letter.State.RELEASED, Letter.State.SENT)


class LettersRefused(Exception):
    """The letters cannot be changed so; the message says why, for the organiser."""


@dataclass
class QueueReport:
    decision: str
    queued: int = 0
    already: int = 0  # had a queued, released or sent letter of this decision
    replaced: int = 0  # failed letters replaced by the new one
    dropped: int = 0  # queued letters whose abstract's decision changed since
    without_address: list[Abstract] = field(default_factory=list)


@dataclass
class SendAgainReport:
    queued: int = 0
    outdated: int = 0  # failed letters whose abstract's decision changed since: left failed


def _label(decision: str) -> str:
    return Decision(decision).label


def _check_decision(decision: str) -> None:
    if decision not in Decision.values:
        raise LettersRefused(f"{decision!r} is not a decision (accepted or rejected).")


def _lock_event(event: Event) -> None:
    Event.objects.select_for_update().filter(pk=event.pk).first()


def _drop_stale(event: Event, actor) -> int:
    stale = list(stale_letters(event).values_list("pk", "abstract_id", "decision", "abstract__status"))
    Letter.objects.filter(pk__in=[pk for pk, *_ in stale]).delete()
    audit_record_each(
        event_id=event.pk,
        actor=actor,
        action=AuditEntry.Action.EMAIL,
        changes=(
            (abstract_id, f"{_label(decision)} dropped: the abstract is now {status}", {"letter": pk})
            for pk, abstract_id, decision, status in stale
        ),
    )
    return len(stale)


def letter_template_save(
    *, event: Event, decision: str, subject: str, body: str, actor=None
) -> LetterTemplate:
    """Store the event's text of one decision's letter. Raises ``ValidationError`` naming what is wrong."""
    _check_decision(decision)
    validate_letter_text(subject)
    validate_letter_text(body)
    with transaction.atomic():
        template, _ = LetterTemplate.objects.update_or_create(
            event=event,
            decision=decision,
            defaults={
                "subject": subject,
                "body": body,
                "updated_by": actor if getattr(actor, "pk", None) else None,
            },
        )
        audit_record(
            event_id=event.pk,
            actor=actor,
            action=AuditEntry.Action.EMAIL,
            summary=f"{_label(decision)} text saved",
        )
    return template


def letter_template_reset(*, event: Event, decision: str, actor=None) -> bool:
    """Go back to the default text; True if the event had its own."""
    _check_decision(decision)
    with transaction.atomic():
        deleted, _ = LetterTemplate.objects.filter(event=event, decision=decision).delete()
        if deleted:
            audit_record(
                event_id=event.pk,
                actor=actor,
                action=AuditEntry.Action.EMAIL,
                summary=f"{_label(decision)} text back to the default",
            )
    return bool(deleted)


def letters_queue(
    *, event: Event, decision: str, abstract_ids: list[int] | None = None, actor=None
) -> QueueReport:
    """Render one letter for each abstract with this decision (all, or those of ``abstract_ids``).

    Abstracts that already have a queued, released or sent letter of this decision are skipped, so
    pressing twice queues once; a failed one is replaced. Queued letters whose abstract's decision
    changed since are dropped. Abstracts with no address to write to are reported.
    """
    _check_decision(decision)
    report = QueueReport(decision=decision)
    with transaction.atomic():
        _lock_event(event)
        report.dropped = _drop_stale(event, actor)
        template = letter_template_for(event, decision)
        abstracts = with_letter_relations(Abstract.objects.filter(event=event, status=decision))
        if abstract_ids is not None:
            abstracts = abstracts.filter(pk__in=abstract_ids)
        abstracts = list(abstracts.order_by("code_sort", "pk"))
        lettered = set(
            Letter.objects.filter(
                abstract__in=abstracts, decision=decision, state__in=ACTIVE_STATES
            ).values_list("abstract_id", flat=True)
        )
        report.already = len(lettered)
        letters = []
        for abstract in abstracts:
            if abstract.pk in lettered:
                continue
            recipient = letter_recipient(abstract)
            if not recipient:
                report.without_address.append(abstract)
                continue
            subject, body = render_letter(subject=template.subject, body=template.body, abstract=abstract)
            letters.append(
                Letter(
                    event=event,
                    abstract=abstract,
                    decision=decision,
                    recipient=recipient,
                    subject=subject,
                    body=body,
                    created_by=actor if getattr(actor, "pk", None) else None,
                )
            )
        report.replaced, _ = Letter.objects.filter(
            abstract__in=[letter.abstract for letter in letters], decision=decision, state=Letter.State.FAILED
        ).delete()
        Letter.objects.bulk_create(letters)
        report.queued = len(letters)
        audit_record_each(
            event_id=event.pk,
            actor=actor,
            action=AuditEntry.Action.EMAIL,
            changes=(
                (
                    letter.abstract_id,
                    f"{_label(decision)} queued for {letter.recipient}",
                    {"letter": letter.pk},
                )
                for letter in letters
            ),
        )
    return report


def letters_release(*, event: Event, letter_ids: list[int] | None = None, actor=None) -> int:
    """Release queued letters (all, or those of ``letter_ids``); they are sent after the commit.

    A queued letter whose abstract's decision changed since it was queued is dropped instead.
    Returns how many were released.
    """
    now = timezone.now()
    with transaction.atomic():
        _lock_event(event)
        _drop_stale(event, actor)
        letters = Letter.objects.filter(event=event, state=Letter.State.QUEUED)
        if letter_ids is not None:
            letters = letters.filter(pk__in=letter_ids)
        releasing = list(letters.values_list("pk", "abstract_id", "decision", "recipient"))
        ids = [pk for pk, *_ in releasing]
        Letter.objects.filter(pk__in=ids).update(
            state=Letter.State.RELEASED,
            released_at=now,
            released_by=actor if getattr(actor, "pk", None) else None,
            dispatched_at=now,
        )
        audit_record_each(
            event_id=event.pk,
            actor=actor,
            action=AuditEntry.Action.EMAIL,
            changes=(
                (abstract_id, f"{_label(decision)} released to {recipient}", {"letter": pk})
                for pk, abstract_id, decision, recipient in releasing
            ),
        )
        transaction.on_commit(lambda: letters_dispatch(ids))
    return len(ids)


def letters_discard(*, event: Event, letter_ids: list[int], actor=None) -> int:
    """Delete queued or failed letters; released and sent ones are kept. Returns how many went."""
    with transaction.atomic():
        _lock_event(event)
        discarding = list(
            Letter.objects.filter(
                event=event, pk__in=letter_ids, state__in=(Letter.State.QUEUED, Letter.State.FAILED)
            ).values_list("pk", "abstract_id", "decision", "recipient", "state")
        )
        Letter.objects.filter(pk__in=[pk for pk, *_ in discarding]).delete()
        audit_record_each(
            event_id=event.pk,
            actor=actor,
            action=AuditEntry.Action.EMAIL,
            changes=(
                (abstract_id, f"{_label(decision)} to {recipient} discarded ({state})", {"letter": pk})
                for pk, abstract_id, decision, recipient, state in discarding
            ),
        )
    return len(discarding)


def letters_send_again(*, event: Event, letter_ids: list[int] | None = None, actor=None) -> SendAgainReport:
    """Release failed letters again and queue a send task for every released, unsent letter.

    Covers letters whose task was lost (broker down at release, a worker gone). Sending is
    idempotent, so a letter whose task is merely slow is still sent once.
    """
    now = timezone.now()
    report = SendAgainReport()
    with transaction.atomic():
        _lock_event(event)
        letters = Letter.objects.filter(event=event)
        if letter_ids is not None:
            letters = letters.filter(pk__in=letter_ids)
        failed = letters.filter(state=Letter.State.FAILED)
        report.outdated = failed.exclude(abstract__status=F("decision")).count()
        retrying = list(
            failed.filter(abstract__status=F("decision")).values_list(
                "pk", "abstract_id", "decision", "recipient"
            )
        )
        Letter.objects.filter(pk__in=[pk for pk, *_ in retrying]).update(
            state=Letter.State.RELEASED, failed_at=None
        )
        ids = list(
            letters.filter(state=Letter.State.RELEASED)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .values_list("pk", flat=True)
        )
        Letter.objects.filter(pk__in=ids).update(dispatched_at=now)
        audit_record_each(
            event_id=event.pk,
            actor=actor,
            action=AuditEntry.Action.EMAIL,
            changes=(
                (abstract_id, f"{_label(decision)} to {recipient} sent again", {"letter": pk})
                for pk, abstract_id, decision, recipient in retrying
            ),
        )
        transaction.on_commit(lambda: letters_dispatch(ids))
    report.queued = len(ids)
    return report


def letters_dispatch(letter_ids: list[int]) -> int:
    """Queue one send task per letter (after a commit). A broker that cannot be reached is logged,
    not raised: the letters stay released and are queued again later."""
    from decisions.tasks import send_letter

    for sent, letter_id in enumerate(letter_ids):
        try:
            send_letter.apply_async(kwargs={"letter_id": letter_id}, retry=False)
        except Exception as error:  # any broker failure; the sweep and "Send again" queue them again
            Letter.objects.filter(pk__in=letter_ids[sent:], state=Letter.State.RELEASED).update(
                dispatched_at=None
            )
            log.warning("could not queue %d decision letters: %s", len(letter_ids) - sent, error)
            return sent
    return len(letter_ids)


def letters_resend_unsent() -> int:
    """Queue again released letters whose send task seems lost (periodic). Returns how many."""
    now = timezone.now()
    due = now - timedelta(seconds=settings.DECISIONS_RESEND_AFTER_SECONDS)
    ids = list(
        Letter.objects.filter(state=Letter.State.RELEASED)
        .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=due))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .values_list("pk", flat=True)[:1000]
    )
    Letter.objects.filter(pk__in=ids).update(dispatched_at=now)
    return letters_dispatch(ids) if ids else 0


def letter_send(*, letter_id: int) -> str:
    """Send one released letter, unless it is sent, not released, gone, or another worker has it.

    Raises what the mail backend raises (the task retries); the letter is then released and
    unclaimed again.
    """
    now = timezone.now()
    claimed = (
        Letter.objects.filter(pk=letter_id, state=Letter.State.RELEASED)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + CLAIM, attempts=F("attempts") + 1)
    )
    if not claimed:
        return "nothing to send"
    letter = Letter.objects.get(pk=letter_id)
    message = EmailMessage(
        subject=letter.subject,
        body=letter.body,
        to=[letter.recipient],
        connection=get_connection(timeout=SMTP_TIMEOUT_SECONDS),
    )
    message.send()
    with transaction.atomic():
        Letter.objects.filter(pk=letter_id).update(
            state=Letter.State.SENT, sent_at=timezone.now(), claimed_until=None, error=""
        )
        audit_record(
            event_id=letter.event_id,
            abstract_id=letter.abstract_id,
            actor=None,
            action=AuditEntry.Action.EMAIL,
            summary=f"{_label(letter.decision)} sent to {letter.recipient}",
            details={"letter": letter.pk, "attempts": letter.attempts},
        )
    return "sent"


def letter_send_failed(*, letter_id: int, error: str, retry_in: int | None) -> None:
    """Record a failed attempt: the letter waits ``retry_in`` seconds for its retry, or is failed."""
    now = timezone.now()
    letters = Letter.objects.filter(pk=letter_id, state=Letter.State.RELEASED)
    if retry_in is not None:
        letters.update(error=error, claimed_until=None, dispatched_at=now + timedelta(seconds=retry_in))
        return
    with transaction.atomic():
        letter = letters.select_for_update().first()
        if letter is None:
            return
        letters.update(state=Letter.State.FAILED, error=error, failed_at=now, claimed_until=None)
        audit_record(
            event_id=letter.event_id,
            abstract_id=letter.abstract_id,
            actor=None,
            action=AuditEntry.Action.EMAIL,
            summary=f"{_label(letter.decision)} to {letter.recipient} failed: {error}",
            details={"letter": letter.pk, "attempts": letter.attempts},
        )
