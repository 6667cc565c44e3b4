from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from abstracts.forms import SubmissionForm, initial_from_abstract
from abstracts.models import Abstract
from abstracts.selectors import (
    abstract_visible_to,
    abstracts_of_submitter,
    known_affiliations,
    known_keywords,
    printed_abstract,
    with_print_relations,
)
from abstracts.services import SubmissionRefused, abstract_save, abstract_withdraw, submitter_can_edit
from abstracts.submission import content_problems
from conference.selectors import event_visible_to


def abstract_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    abstract = get_object_or_404(with_print_relations(Abstract.objects), event__slug=slug, pk=pk)
    if not abstract_visible_to(request.user, abstract):
        raise Http404("No such abstract.")
    return render(
        request,
        "abstracts/abstract_detail.html",
        {
            "event": abstract.event,
            "abstract": printed_abstract(abstract),
            "own": abstract.submitter_id is not None and abstract.submitter_id == request.user.pk,
            "editable": abstract.submitter_id == request.user.pk and submitter_can_edit(abstract),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def abstract_new(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_visible_to(request.user, slug)
    if not event.call_is_open() and request.method == "GET":
        messages.error(request, "The call for abstracts is not open.")
        return redirect(event)
    return _submission_page(request, event, abstract=None)


@login_required
@require_http_methods(["GET", "POST"])
def abstract_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    abstract = _own_abstract(request, slug, pk)
    if request.method == "GET" and not submitter_can_edit(abstract):
        messages.info(request, "This abstract can no longer be changed.")
        return redirect(abstract)
    return _submission_page(request, abstract.event, abstract=abstract)


@login_required
@require_http_methods(["GET", "POST"])
def abstract_withdraw_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    abstract = _own_abstract(request, slug, pk)
    if request.method == "POST":
        try:
            abstract_withdraw(abstract_id=abstract.pk, submitter=request.user)
        except SubmissionRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, "Your abstract has been withdrawn.")
        return redirect("abstracts:my_abstracts")
    return render(request, "abstracts/withdraw.html", {"event": abstract.event, "abstract": abstract})


@login_required
def my_abstracts(request: HttpRequest) -> HttpResponse:
    return render(request, "abstracts/my_abstracts.html", {"abstracts": abstracts_of_submitter(request.user)})


def _own_abstract(request: HttpRequest, slug: str, pk: int) -> Abstract:
    """The user's own abstract, or 404: someone else's abstract does not exist for them."""
    return get_object_or_404(
        with_print_relations(Abstract.objects), event__slug=slug, pk=pk, submitter=request.user
    )


def _submission_page(request: HttpRequest, event, *, abstract: Abstract | None) -> HttpResponse:
    preview = None
    status = 200
    if request.method == "POST":
        form = SubmissionForm(event, data=request.POST)
        action = request.POST.get("action", "save")
        if form.is_valid():
            content = form.content()
            if action == "preview":
                form.add_problems(content_problems(content))
                preview = content.printed(
                    pk=abstract.pk if abstract else 0, code=abstract.code if abstract else ""
                )
            else:
                try:
                    saved = abstract_save(
                        event=event,
                        submitter=request.user,
                        content=content,
                        abstract_id=abstract.pk if abstract else None,
                        submit=action == "submit",
                    )
                except SubmissionRefused as refused:
                    form.add_problems(refused.problems)
                    status = 400
                else:
                    messages.success(request, _saved_message(saved, action))
                    if action == "submit":
                        return redirect(saved)
                    return redirect("abstracts:abstract_edit", slug=event.slug, pk=saved.pk)
        else:
            status = 400
    else:
        form = SubmissionForm(event, initial=initial_from_abstract(abstract) if abstract else None)
    return render(
        request,
        "abstracts/submission_form.html",
        {
            "event": event,
            "abstract": abstract,
            "form": form,
            "errors": form.error_list() if form.bound else [],
            "preview": preview,
            "known_affiliations": known_affiliations(event),
            "known_keywords": known_keywords(event),
            "call_open": event.call_is_open(),
        },
        status=status,
    )


def _saved_message(abstract: Abstract, action: str) -> str:
    if action == "submit":
        return "Your abstract has been submitted. A confirmation e-mail is on its way."
    if abstract.status == Abstract.Status.SUBMITTED:
        return "Your changes are saved; the abstract stays submitted."
    return "Draft saved. It is not submitted yet: press “Submit abstract” when it is ready."
