"""Writes to abstracts. Each service that changes what the book prints marks the event changed."""

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, F, Q, Value, When
from django.template.loader import render_to_string
from django.utils import timezone

from abstracts.models import (
    Abstract,
    AbstractKeyword,
    Affiliation,
    AuthorAffiliation,
    Authorship,
    Keyword,
    Person,
)
from abstracts.submission import AuthorEntry, SubmissionContent, content_problems, submission_problems
from abstracts.text import normalise_paragraph_markup, text_key
from audit.models import AuditEntry
from audit.services import audit_record
from conference.changes import event_changed
from conference.models import Event

log = logging.getLogger(__name__)

EDITABLE_STATUSES = (Abstract.Status.DRAFT, Abstract.Status.SUBMITTED)
# Confirmation e-mails, sent as decision letters are: a worker sending one keeps others off it this
# long (far more than a send takes: the SMTP connection gives up after SMTP_TIMEOUT_SECONDS); one due
# this long and held by no worker has lost its task, and the periodic resend queues it again.
CONFIRMATION_CLAIM = timedelta(minutes=10)
CONFIRMATION_RESEND_AFTER = timedelta(minutes=1)
SMTP_TIMEOUT_SECONDS = 60


class SubmissionRefused(Exception):
    """The content cannot be saved as asked; ``problems`` maps a field (or "deadline") to messages."""

    def __init__(self, problems: dict[str, list[str]]) -> None:
        super().__init__("; ".join(message for messages in problems.values() for message in messages))
        self.problems = problems


def abstract_set_status(*, abstract_id: int, status: str) -> Abstract:
    """Move an abstract to ``status`` (accepted, rejected, withdrawn …)."""
    if status not in Abstract.Status.values:
        raise ValueError(f"{status!r} is not a status ({', '.join(Abstract.Status.values)})")
    with transaction.atomic():
        abstract = Abstract.objects.select_for_update().get(pk=abstract_id)
        if abstract.status != status:
            was_printed = abstract.status == Abstract.Status.ACCEPTED
            abstract.status = status
            abstract.save(update_fields=["status", "updated_at"])
            if was_printed or status == Abstract.Status.ACCEPTED:
                event_changed(abstract.event_id)
    return abstract


def submitter_can_edit(abstract: Abstract, *, at=None) -> bool:
    """A submitter edits a draft or a submitted abstract while the call is open; never after."""
    return abstract.status in EDITABLE_STATUSES and abstract.event.call_is_open(at)


def abstract_save(
    *,
    event: Event,
    submitter: AbstractBaseUser,
    content: SubmissionContent,
    abstract_id: int | None = None,
    submit: bool = False,
) -> Abstract:
    """Create or update a submitter's abstract from ``content``; ``submit`` also submits it.

    A draft needs only what can be stored (a title, authors with last names, allowed markup);
    submitting needs everything ``submission_problems`` checks. Raises ``SubmissionRefused``
    with messages per field; nothing is written then. Each submit, the first or one after an edit,
    makes a confirmation e-mail due, queued after the commit (``abstract_confirmation_send``).
    """
    content = _normalised(content)
    # A submitted abstract stays complete: its changes are checked as a submission is.
    complete = submit or (
        abstract_id is not None
        and Abstract.objects.filter(pk=abstract_id, status=Abstract.Status.SUBMITTED).exists()
    )
    problems = submission_problems(content, event) if complete else content_problems(content)
    if not event.call_is_open():
        problems.setdefault("deadline", []).append(_closed_message(event))
    if problems:
        raise SubmissionRefused(problems)
    with transaction.atomic():
        if abstract_id is None:
            abstract = Abstract(event=event, submitter=submitter)
        else:
            abstract = Abstract.objects.select_for_update().get(
                pk=abstract_id, event=event, submitter=submitter
            )
            if abstract.status not in EDITABLE_STATUSES:
                state = abstract.get_status_display().lower()
                raise SubmissionRefused(
                    {"status": [f"This abstract is {state}; it can no longer be changed."]}
                )
        abstract.title = content.title
        abstract.text = content.text
        abstract.note = content.note
        abstract.preferred_session_id = content.preferred_session_id
        newly_submitted = submit and abstract.status == Abstract.Status.DRAFT
        if newly_submitted:
            abstract.status = Abstract.Status.SUBMITTED
            abstract.submitted_at = timezone.now()
        if submit:
            abstract.confirmation_due_at = timezone.now()
        abstract.save()
        _replace_authors(abstract, content.authors)
        _replace_keywords(abstract, content.keywords)
        if newly_submitted:
            audit_record(
                event_id=event.pk,
                actor=submitter,
                action=AuditEntry.Action.STATUS,
                abstract_id=abstract.pk,
                summary="Status draft → submitted (by its submitter)",
                details={"from": "draft", "to": "submitted"},
            )
    if submit:
        transaction.on_commit(lambda: abstract_confirmations_dispatch([abstract.pk]))
    return abstract


def abstract_withdraw(*, abstract_id: int, submitter: AbstractBaseUser) -> Abstract:
    """The submitter takes their abstract back; an accepted one leaves the book."""
    with transaction.atomic():
        abstract = Abstract.objects.select_for_update().get(pk=abstract_id, submitter=submitter)
        if abstract.status in (Abstract.Status.WITHDRAWN, Abstract.Status.REJECTED):
            raise SubmissionRefused(
                {
                    "status": [
                        f"This abstract is {abstract.get_status_display().lower()}; it cannot be withdrawn."
                    ]
                }
            )
        before = abstract.status
        abstract.status = Abstract.Status.WITHDRAWN
        abstract.save(update_fields=["status", "updated_at"])
        audit_record(
            event_id=abstract.event_id,
            actor=submitter,
            action=AuditEntry.Action.STATUS,
            abstract_id=abstract.pk,
            summary=f"Status {before} → withdrawn (by its submitter)",
            details={"from": before, "to": "withdrawn"},
        )
        if before == Abstract.Status.ACCEPTED:
            event_changed(abstract.event_id)
    return abstract


def _closed_message(event: Event) -> str:
    state = event.call_state()
    if state == "none":
        return "This event has no call for abstracts."
    local = timezone.localtime(
        event.call_opens_at if state == "upcoming" else event.call_deadline, ZoneInfo(event.time_zone)
    ).strftime("%d %B %Y, %H:%M %Z")
    if state == "upcoming":
        return f"The call for abstracts opens on {local}."
    return f"The submission deadline passed on {local}; abstracts can no longer be submitted or changed."


def _normalised(content: SubmissionContent) -> SubmissionContent:
    """White space tidied the way the book prints it; paragraphs typed as <p> become blank lines."""
    return SubmissionContent(
        title=" ".join(content.title.split()),
        text=normalise_paragraph_markup(content.text.replace("\r\n", "\n")),
        note=" ".join(content.note.split()),
        preferred_session_id=content.preferred_session_id,
        authors=tuple(
            AuthorEntry(
                first_name=" ".join(author.first_name.split()),
                last_name=" ".join(author.last_name.split()),
                title=" ".join(author.title.split()),
                email=author.email.strip().lower(),
                orcid=author.orcid.strip().upper(),
                affiliations=tuple(" ".join(name.split()) for name in author.affiliations),
                is_presenting=author.is_presenting,
            )
            for author in content.authors
        ),
        keywords=tuple(" ".join(label.split()) for label in content.keywords),
        loose_affiliations=content.loose_affiliations,
    )


def _replace_authors(abstract: Abstract, authors: tuple[AuthorEntry, ...]) -> None:
    """Write the author list anew; people, affiliations and keywords are shared within the event."""
    event_id = abstract.event_id
    previous_people = set(abstract.authorships.values_list("person_id", flat=True))
    previous_affiliations = set(
        AuthorAffiliation.objects.filter(authorship__abstract=abstract).values_list(
            "affiliation_id", flat=True
        )
    )
    abstract.authorships.all().delete()
    affiliations: dict[str, Affiliation] = {}
    problems: dict[str, list[str]] = {}
    used_people: set[int] = set()
    for position, entry in enumerate(authors, 1):
        person = _person_for(event_id, entry, previous_people, problems, position)
        if person is None:
            continue
        if person.pk in used_people:
            problems.setdefault(f"author-{position}", []).append(
                f"Author {position} is the same person as an author above; list each author once."
            )
            continue
        used_people.add(person.pk)
        authorship = Authorship.objects.create(
            abstract=abstract, person=person, position=position, is_presenting=entry.is_presenting
        )
        for link_position, name in enumerate(dict.fromkeys(entry.affiliations, None), 1):
            key = text_key(name)
            if key not in affiliations:
                affiliations[key], _ = Affiliation.objects.get_or_create(
                    event_id=event_id, key=key, defaults={"name": name}
                )
            AuthorAffiliation.objects.create(
                authorship=authorship, affiliation=affiliations[key], position=link_position
            )
    if problems:
        raise SubmissionRefused(problems)  # rolls the transaction back
    Person.objects.filter(pk__in=previous_people - used_people).annotate(links=Count("authorships")).filter(
        links=0
    ).delete()
    Affiliation.objects.filter(pk__in=previous_affiliations).annotate(
        links=Count("author_links") + Count("unattached_links")
    ).filter(links=0).delete()


def _person_for(
    event_id: int,
    entry: AuthorEntry,
    previous_people: set[int],
    problems: dict,
    position: int,
    *,
    first_try: bool = True,
) -> Person | None:
    """The event's record of this author: found by ORCID or e-mail, otherwise a new one.

    A record shared with other abstracts is only completed, never renamed: someone else's
    abstract must not change because of this form.
    """
    typed = {"first_name": entry.first_name, "last_name": entry.last_name, "title": entry.title}
    by_orcid = Person.objects.filter(event_id=event_id, orcid=entry.orcid).first() if entry.orcid else None
    by_email = (
        Person.objects.filter(event_id=event_id, email__iexact=entry.email).first() if entry.email else None
    )
    where = f"author-{position}"
    if by_orcid and by_email and by_orcid.pk != by_email.pk:
        problems.setdefault(where, []).append(
            f"Author {position}: this ORCID iD and this e-mail address belong to two different people "
            "in this event; check both."
        )
        return None
    person = by_orcid or by_email
    if person is None:
        try:
            with transaction.atomic():
                return Person.objects.create(event_id=event_id, email=entry.email, orcid=entry.orcid, **typed)
        except IntegrityError:
            if not first_try:
                raise
            # Another submission created this author (same e-mail or ORCID iD) a moment ago; use that record.
            return _person_for(event_id, entry, previous_people, problems, position, first_try=False)
    # This abstract's own authorships are already gone: any left belong to other abstracts.
    shared = Authorship.objects.filter(person=person).exists()
    if shared and person.name_key != text_key(entry.name):
        which = "ORCID iD" if by_orcid else "e-mail address"
        problems.setdefault(where, []).append(
            f"Author {position}: this {which} is already used in this event by an author with a different "
            "name; check the spelling, or ask the organisers to correct the name."
        )
        return None
    changed = []
    for name, value in typed.items():
        if (not shared or not getattr(person, name)) and value and getattr(person, name) != value:
            setattr(person, name, value)
            changed.append(name)
    for name in ("email", "orcid"):
        if getattr(entry, name) and not getattr(person, name):
            setattr(person, name, getattr(entry, name))
            changed.append(name)
    if changed:
        try:
            with transaction.atomic():
                person.save()
        except IntegrityError:
            problems.setdefault(where, []).append(
                f"Author {position}: this e-mail address or ORCID iD is already used by another author "
                "of this event."
            )
            return None
    return person


def _replace_keywords(abstract: Abstract, labels: tuple[str, ...]) -> None:
    previous = set(abstract.keyword_links.values_list("keyword_id", flat=True))
    abstract.keyword_links.all().delete()
    kept = set()
    for position, label in enumerate(labels, 1):
        keyword, _ = Keyword.objects.get_or_create(
            event_id=abstract.event_id, key=text_key(label), defaults={"label": label}
        )
        kept.add(keyword.pk)
        AbstractKeyword.objects.create(abstract=abstract, keyword=keyword, spelling=label, position=position)
    Keyword.objects.filter(pk__in=previous - kept).annotate(links=Count("abstract_links")).filter(
        links=0
    ).delete()


def abstract_confirmations_dispatch(abstract_ids: list[int]) -> int:
    """Queue one confirmation task per abstract (after a commit). A broker that cannot be reached is
    logged, not raised: the confirmations stay due and ``abstract_confirmations_resend`` queues them
    again. Returns how many were queued."""
    from abstracts.tasks import send_submission_confirmation

    for queued, abstract_id in enumerate(abstract_ids):
        try:
            send_submission_confirmation.apply_async(kwargs={"abstract_id": abstract_id}, retry=False)
        except Exception as error:  # any broker failure; the periodic resend queues them again
            log.warning("could not queue %d confirmation e-mails: %s", len(abstract_ids) - queued, error)
            return queued
    return len(abstract_ids)


def abstract_confirmations_resend() -> int:
    """Queue again the confirmations due for ``CONFIRMATION_RESEND_AFTER`` that no worker holds: their
    task could not be queued (broker down) or was lost (periodic). Drafts wait for their next submit;
    for a submitter without an e-mail address there is nothing to send, and the confirmation stops
    being due. Returns how many were queued."""
    now = timezone.now()
    overdue = (
        Abstract.objects.filter(confirmation_due_at__lt=now - CONFIRMATION_RESEND_AFTER)
        .exclude(status=Abstract.Status.DRAFT)
        .filter(Q(confirmation_claimed_until__isnull=True) | Q(confirmation_claimed_until__lt=now))
    )
    nobody = Q(submitter__isnull=True) | Q(submitter__email="")
    overdue.filter(nobody).update(confirmation_due_at=None)
    ids = list(overdue.exclude(nobody).order_by("confirmation_due_at").values_list("pk", flat=True)[:1000])
    return abstract_confirmations_dispatch(ids) if ids else 0


def abstract_confirmation_send(*, abstract_id: int) -> str:
    """E-mail the submitter that their abstract arrived, if a confirmation is due and no other worker
    is sending it: claimed with one conditional UPDATE first, so a task that runs twice, or beside
    one the periodic resend queued, sends once.

    Sent, it stops being due, unless the abstract was submitted again meanwhile: that submit's
    confirmation stays due. Raises what the mail backend raises, still holding the claim; the
    caller then calls ``abstract_confirmation_failed``.
    """
    now = timezone.now()
    claimed = (
        Abstract.objects.filter(pk=abstract_id, confirmation_due_at__isnull=False)
        .exclude(status=Abstract.Status.DRAFT)
        .filter(Q(confirmation_claimed_until__isnull=True) | Q(confirmation_claimed_until__lt=now))
        .update(confirmation_claimed_until=now + CONFIRMATION_CLAIM)
    )
    if not claimed:
        return "nothing to send"
    abstract = Abstract.objects.select_related("event", "submitter").get(pk=abstract_id)
    address = abstract.submitter.email if abstract.submitter else ""
    if not address:
        _confirmation_done(abstract, sent=False)
        return "nobody to tell"
    context = {
        "abstract": abstract,
        "event": abstract.event,
        "url": settings.SITE_URL.rstrip("/") + abstract.get_absolute_url(),
    }
    EmailMessage(
        subject=render_to_string("abstracts/email/submitted_subject.txt", context).strip(),
        body=render_to_string("abstracts/email/submitted.txt", context),
        to=[address],
        connection=get_connection(timeout=SMTP_TIMEOUT_SECONDS),
    ).send()
    _confirmation_done(abstract, sent=True)
    return "sent"


def _confirmation_done(abstract: Abstract, *, sent: bool) -> None:
    """Release the claim; the confirmation stops being due unless the abstract was submitted again
    meanwhile (that submit changed the due time, and its own confirmation stays due).

    One UPDATE: a second update of the same row in one transaction makes PostgreSQL check the
    event foreign key again at commit (FOR KEY SHARE on the event), which deadlocks with an
    organiser's change that holds the event locked and waits for this abstract."""
    fields = {
        "confirmation_claimed_until": None,
        "confirmation_due_at": Case(
            When(confirmation_due_at=abstract.confirmation_due_at, then=Value(None)),
            default=F("confirmation_due_at"),
        ),
    }
    if sent:
        fields["confirmation_sent_at"] = timezone.now()
    Abstract.objects.filter(pk=abstract.pk).update(**fields)


def abstract_confirmation_failed(*, abstract_id: int, retry_in: int | None) -> None:
    """Release the claim after a failed send. The confirmation falls due again in ``retry_in``
    seconds, when the task retries (the periodic resend leaves it alone until a minute after), or,
    with ``None``, is given up: no longer due, never sent."""
    due = None if retry_in is None else timezone.now() + timedelta(seconds=retry_in)
    Abstract.objects.filter(pk=abstract_id, confirmation_due_at__isnull=False).update(
        confirmation_due_at=due, confirmation_claimed_until=None
    )
