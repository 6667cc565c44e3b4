"""Reads for the letters page: templates (stored or default), previews, the outbox."""

from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, QuerySet

from abstracts.models import Abstract, Authorship
from abstracts.selectors import programme_order
from conference.models import Event
from decisions.letters import DEFAULT_TEXTS, letter_recipient, render_letter
from decisions.models import Decision, Letter, LetterTemplate


def letter_template_for(event: Event, decision: str) -> LetterTemplate:
    """The event's text for this decision, or an unsaved one with the default text (``pk`` is None)."""
    stored = (
        LetterTemplate.objects.filter(event=event, decision=decision).select_related("updated_by").first()
    )
    if stored is not None:
        return stored
    subject, body = DEFAULT_TEXTS[decision]
    return LetterTemplate(event=event, decision=decision, subject=subject, body=body)


def with_letter_relations(abstracts: QuerySet[Abstract]) -> QuerySet[Abstract]:
    """What rendering a letter and finding its recipient read, in a fixed number of queries."""
    return abstracts.select_related("event", "session", "submitter").prefetch_related(
        Prefetch("authorships", queryset=Authorship.objects.select_related("person").order_by("position"))
    )


def decided_abstracts(event: Event, decision: str) -> QuerySet[Abstract]:
    return programme_order(with_letter_relations(Abstract.objects.filter(event=event, status=decision)))


def preview_abstracts(event: Event, decision: str, limit: int = 3) -> list[Abstract]:
    """A few real abstracts of this decision to preview the letter with, those with a code first."""
    abstracts = decided_abstracts(event, decision)
    with_code = list(abstracts.exclude(code="")[:limit])
    return with_code + list(abstracts.filter(code="")[: limit - len(with_code)])


def decision_counts(event: Event) -> dict[str, int]:
    counts = dict(
        Abstract.objects.filter(event=event, status__in=Decision.values)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {decision: counts.get(decision, 0) for decision in Decision.values}


def outbox(event: Event, state: str = "") -> QuerySet[Letter]:
    letters = Letter.objects.filter(event=event).select_related("abstract", "released_by")
    if state:
        letters = letters.filter(state=state)
    return letters.order_by("state", "decision", "abstract__code_sort", "abstract__pk", "pk")


def outbox_counts(event: Event) -> dict[str, int]:
    counts = dict(
        Letter.objects.filter(event=event)
        .order_by()
        .values("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    return {state: counts.get(state, 0) for state in Letter.State.values}


def stale_letters(event: Event) -> QuerySet[Letter]:
    """Queued letters whose abstract's decision has changed since: they are dropped, never released."""
    return Letter.objects.filter(event=event, state=Letter.State.QUEUED).exclude(
        abstract__status=F("decision")
    )


def letters_to_release(event: Event) -> QuerySet[Letter]:
    return (
        Letter.objects.filter(event=event, state=Letter.State.QUEUED, abstract__status=F("decision"))
        .select_related("abstract")
        .order_by("decision", "abstract__code_sort", "abstract__pk", "pk")
    )


@dataclass(frozen=True)
class LetterPreview:
    abstract: Abstract
    recipient: str
    subject: str
    body: str


def letter_previews(
    event: Event, decision: str, *, subject: str, body: str, limit: int = 3
) -> list[LetterPreview]:
    """The letter as a few real abstracts of this decision would receive it (text already validated)."""
    previews = []
    for abstract in preview_abstracts(event, decision, limit):
        rendered_subject, rendered_body = render_letter(subject=subject, body=body, abstract=abstract)
        previews.append(LetterPreview(abstract, letter_recipient(abstract), rendered_subject, rendered_body))
    return previews
