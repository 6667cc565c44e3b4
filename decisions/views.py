"""The organisers' letters page: write and preview the two letters, queue them, release the outbox."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from abstracts.templatetags.abstract_markup import plain_text
from conference.models import Event
from conference.permissions import LoginRequired, login_redirect, organised_event
from decisions.forms import LetterTemplateForm, letter_ids, outbox_state
from decisions.letters import PLACEHOLDERS
from decisions.models import Decision, Letter
from decisions.selectors import (
    decision_counts,
    letter_previews,
    letter_template_for,
    letters_to_release,
    outbox,
    outbox_counts,
    stale_letters,
)
from decisions.services import (
    LettersRefused,
    QueueReport,
    letter_template_reset,
    letter_template_save,
    letters_discard,
    letters_queue,
    letters_release,
    letters_send_again,
)


def _letters_url(event: Event, anchor: str = "") -> str:
    return reverse("decisions:letters", kwargs={"slug": event.slug}) + (f"#{anchor}" if anchor else "")


def letters(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the page. POST: preview, save or reset one decision's letter (``decision`` says which)."""
    try:
        event = organised_event(request, slug)
    except LoginRequired:
        return login_redirect(request)
    bound_decision, bound_form = "", None
    if request.method == "POST":
        bound_decision = request.POST.get("decision", "")
        if bound_decision not in Decision.values:
            messages.error(request, "Which letter? Use the buttons under one of the two letters.")
            return redirect(_letters_url(event))
        action = request.POST.get("action", "")
        if action == "reset":
            if letter_template_reset(event=event, decision=bound_decision, actor=request.user):
                messages.success(request, f"{Decision(bound_decision).label}: back to the default text.")
            return redirect(_letters_url(event, f"letter-{bound_decision}"))
        bound_form = LetterTemplateForm(request.POST, prefix=bound_decision)
        if action == "save" and bound_form.is_valid():
            letter_template_save(
                event=event, decision=bound_decision, actor=request.user, **bound_form.cleaned_data
            )
            messages.success(request, f"{Decision(bound_decision).label} saved.")
            return redirect(_letters_url(event, f"letter-{bound_decision}"))
    counts = decision_counts(event)
    letters_of_decision = []
    for decision in Decision.values:
        template = letter_template_for(event, decision)
        if decision == bound_decision:
            form = bound_form
            text = bound_form.cleaned_data if bound_form.is_valid() else None
        else:
            form = LetterTemplateForm(
                prefix=decision, initial={"subject": template.subject, "body": template.body}
            )
            text = {"subject": template.subject, "body": template.body}
        letters_of_decision.append(
            {
                "decision": decision,
                "label": Decision(decision).label,
                "template": template,
                "form": form,
                "is_preview": decision == bound_decision and text is not None,
                "previews": letter_previews(event, decision, **text) if text else [],
                "count": counts[decision],
            }
        )
    state = outbox_state(request.GET)
    counts_by_state = outbox_counts(event)
    return render(
        request,
        "decisions/letters.html",
        {
            "event": event,
            "letters_of_decision": letters_of_decision,
            "placeholders": PLACEHOLDERS,
            "form": bound_form,  # for the error summary at the top
            "counts": counts_by_state,
            "state_counts": [(value, label, counts_by_state[value]) for value, label in Letter.State.choices],
            "state": state,
            "outbox": list(outbox(event, state)),
            "ready_count": letters_to_release(event).count(),
        },
        status=400 if bound_form is not None and not bound_form.is_valid() else 200,
    )


def _queue_message(report: QueueReport) -> str:
    label = Decision(report.decision).label.lower()
    parts = [f"{report.queued} {label}{'s' if report.queued != 1 else ''} queued."]
    if report.already:
        parts.append(f"{report.already} abstract{'s' if report.already != 1 else ''} already had one.")
    if report.replaced:
        parts.append(f"{report.replaced} failed one{'s' if report.replaced != 1 else ''} replaced.")
    if report.dropped:
        parts.append(
            f"{report.dropped} queued letter{'s' if report.dropped != 1 else ''} dropped: "
            "the abstract's decision changed."
        )
    return " ".join(parts)


@require_POST
def queue(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        event = organised_event(request, slug)
    except LoginRequired:
        return login_redirect(request)
    try:
        report = letters_queue(event=event, decision=request.POST.get("decision", ""), actor=request.user)
    except LettersRefused as refused:
        messages.error(request, str(refused))
        return redirect(_letters_url(event))
    messages.success(request, _queue_message(report))
    if report.without_address:
        count = len(report.without_address)
        titles = ", ".join(f"“{plain_text(abstract.title)}”" for abstract in report.without_address[:5])
        if count > 5:
            titles += f" and {count - 5} more"
        messages.warning(
            request,
            f"No e-mail address for {count} abstract{'s' if count != 1 else ''}: {titles}. "
            "Give the submitter's account or the presenting author an address, then queue again.",
        )
    return redirect(_letters_url(event, "outbox"))


def release(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: how many letters, to whom, before anything is sent. POST: release exactly those."""
    try:
        event = organised_event(request, slug)
    except LoginRequired:
        return login_redirect(request)
    if request.method == "POST":
        ids = letter_ids(request.POST)
        if not ids:
            messages.error(request, "There were no letters to release.")
            return redirect(_letters_url(event, "outbox"))
        released = letters_release(event=event, letter_ids=ids, actor=request.user)
        skipped = len(ids) - released
        messages.success(
            request,
            f"{released} letter{'s' if released != 1 else ''} released; "
            f"{'it is' if released == 1 else 'they are'} being sent."
            + (f" {skipped} were no longer queued (discarded, or the decision changed)." if skipped else ""),
        )
        return redirect(_letters_url(event, "outbox"))
    ready = list(letters_to_release(event))
    return render(
        request,
        "decisions/release.html",
        {
            "event": event,
            "letters": ready,
            "by_decision": {
                Decision(decision).label: sum(1 for letter in ready if letter.decision == decision)
                for decision in Decision.values
            },
            "recipients": len({letter.recipient.lower() for letter in ready}),
            "stale_count": stale_letters(event).count(),
        },
    )


@require_POST
def outbox_action(request: HttpRequest, slug: str) -> HttpResponse:
    """Discard ticked letters, or send again the failed and unsent ones (all, or one row's)."""
    try:
        event = organised_event(request, slug)
    except LoginRequired:
        return login_redirect(request)
    action, _, target = request.POST.get("action", "").partition(":")
    return_to = _letters_url(event, "outbox")
    if state := outbox_state(request.POST):
        return_to = reverse("decisions:letters", kwargs={"slug": event.slug}) + f"?state={state}#outbox"
    if action == "discard":
        ids = letter_ids(request.POST)
        if not ids:
            messages.error(request, "Tick the letters to discard first.")
            return redirect(return_to)
        discarded = letters_discard(event=event, letter_ids=ids, actor=request.user)
        kept = len(ids) - discarded
        messages.success(
            request,
            f"{discarded} letter{'s' if discarded != 1 else ''} discarded."
            + (f" {kept} released or sent letter{'s' if kept != 1 else ''} kept." if kept else ""),
        )
    elif action == "again":
        ids = [int(target)] if target.isdigit() and len(target) < 19 else None
        report = letters_send_again(event=event, letter_ids=ids, actor=request.user)
        messages.success(
            request, f"{report.queued} letter{'s' if report.queued != 1 else ''} queued for sending."
        )
        if report.outdated:
            messages.warning(
                request,
                f"{report.outdated} failed letter{'s' if report.outdated != 1 else ''} no longer "
                "match the abstract's decision; discard them and queue new ones.",
            )
    else:
        messages.error(request, "Unknown action.")
    return redirect(return_to)
