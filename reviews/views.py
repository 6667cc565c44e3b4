from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from abstracts.models import Abstract
from abstracts.selectors import printed_abstract, with_print_relations
from abstracts.templatetags.abstract_markup import plain_text
from conference.permissions import LoginRequired, login_redirect, organised_event
from reviews.forms import BalancedAssignmentForm, HandAssignmentForm, ReviewForm
from reviews.permissions import reviewed_event
from reviews.selectors import (
    assignable_abstracts,
    assignment_of,
    assignments_of_reviewer,
    reviewer_loads,
    reviews_of_abstract,
)
from reviews.services import (
    BalancedAssignment,
    ReviewRefused,
    review_submit,
    reviewer_unassign,
    reviewers_assign,
    reviewers_assign_balanced,
)


def _ids(values: list[str]) -> list[int]:
    return [int(value) for value in values if value.isdigit() and len(value) < 19]


def my_reviews(request: HttpRequest, slug: str) -> HttpResponse:
    """A reviewer's assignments in one event: those to do first, then those done."""
    try:
        event = reviewed_event(request, slug)
    except LoginRequired:
        return login_redirect(request)
    assignments = list(assignments_of_reviewer(event, request.user))
    done = sum(1 for assignment in assignments if hasattr(assignment, "review"))
    return render(
        request,
        "reviews/my_reviews.html",
        {"event": event, "assignments": assignments, "done": done, "to_do": len(assignments) - done},
    )


@require_http_methods(["GET", "POST"])
def review_page(request: HttpRequest, slug: str, abstract_pk: int) -> HttpResponse:
    """One assigned abstract and the reviewer's review; the other reviews once theirs is in."""
    try:
        event = reviewed_event(request, slug)
    except LoginRequired:
        return login_redirect(request)
    assignment = assignment_of(event, request.user, abstract_pk)
    if assignment is None:
        raise Http404("No such abstract among your assignments.")
    abstract = get_object_or_404(with_print_relations(Abstract.objects), event=event, pk=abstract_pk)
    own = getattr(assignment, "review", None)
    open_for_review = abstract.status == Abstract.Status.SUBMITTED
    if request.method == "POST" and open_for_review:
        form = ReviewForm(request.POST, event=event)
        if form.is_valid():
            try:
                review_submit(
                    event=event, abstract_id=abstract.pk, reviewer=request.user, **form.cleaned_data
                )
            except ReviewRefused as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, "Your review is revised." if own else "Your review is submitted.")
                return redirect(request.path)
    elif request.method == "POST":
        messages.error(
            request, "This abstract has been decided or withdrawn: its reviews can no longer change."
        )
        return redirect(request.path)
    else:
        initial = (
            {"score": own.score, "recommendation": own.recommendation, "comment": own.comment} if own else {}
        )
        form = ReviewForm(event=event, initial=initial)
    others = (
        [
            review
            for review in reviews_of_abstract(abstract.pk)
            if review.assignment.reviewer_id != request.user.pk
        ]
        if own
        else []
    )
    return render(
        request,
        "reviews/review_page.html",
        {
            "event": event,
            "record": abstract,
            "abstract": printed_abstract(abstract),
            "own": own,
            "form": form,
            "open_for_review": open_for_review,
            "others": others,
        },
    )


@require_http_methods(["GET", "POST"])
def assign_reviewers(request: HttpRequest, slug: str) -> HttpResponse:
    """Organisers assign reviewers in bulk (balanced) or by hand, and see each reviewer's load."""
    try:
        event = organised_event(request, slug)
    except LoginRequired:
        return login_redirect(request)
    action = request.POST.get("action", "")
    balanced = BalancedAssignmentForm(request.POST if action == "balanced" else None, prefix="balanced")
    by_hand = HandAssignmentForm(request.POST if action == "hand" else None, prefix="hand", event=event)
    ticked = _ids(request.POST.getlist("abstract"))
    if request.method == "POST":
        try:
            if action == "balanced" and balanced.is_valid():
                result = reviewers_assign_balanced(
                    event=event,
                    abstract_ids=ticked if balanced.cleaned_data["scope"] == "ticked" else None,
                    per_abstract=balanced.cleaned_data["per_abstract"],
                    actor=request.user,
                )
                _report(request, result)
                return redirect(request.path)
            if action == "hand" and by_hand.is_valid():
                reviewer = by_hand.cleaned_data["reviewer"]
                count = reviewers_assign(
                    event=event, abstract_ids=ticked, reviewer_ids=[reviewer.pk], actor=request.user
                )
                already = len(set(ticked)) - count
                messages.success(
                    request,
                    f"{reviewer.email} assigned to {count} abstract{'s' if count != 1 else ''}"
                    + (f" ({already} already had them)." if already else "."),
                )
                return redirect(request.path)
            if action not in ("balanced", "hand"):
                messages.error(request, "Unknown action.")
                return redirect(request.path)
        except ReviewRefused as refused:
            messages.error(request, str(refused))
    return render(
        request,
        "reviews/assign.html",
        {
            "event": event,
            "balanced": balanced,
            "by_hand": by_hand,
            "form": balanced if balanced.errors else by_hand,
            "abstracts": list(assignable_abstracts(event)),
            "reviewers": list(reviewer_loads(event)),
            "ticked": set(ticked),
        },
    )


def _report(request: HttpRequest, result: BalancedAssignment) -> None:
    if result.assigned:
        messages.success(
            request,
            f"{result.assigned} review{'s' if result.assigned != 1 else ''} assigned "
            f"to {result.abstracts} abstract{'s' if result.abstracts != 1 else ''}.",
        )
    elif not result.unfilled:
        messages.info(request, f"Every chosen abstract already has {result.per_abstract} reviewers or more.")
    if result.unfilled:
        listed = "; ".join(f"“{plain_text(item.title)}” ({item.reviewers})" for item in result.unfilled[:10])
        more = f"; and {len(result.unfilled) - 10} more" if len(result.unfilled) > 10 else ""
        count = len(result.unfilled)
        messages.warning(
            request,
            f"Not enough reviewers without a conflict for {count} abstract{'s' if count != 1 else ''}, "
            f"left with fewer than {result.per_abstract}: {listed}{more}.",
        )
    if result.not_reviewable:
        messages.info(
            request,
            f"{result.not_reviewable} ticked abstract{'s are' if result.not_reviewable != 1 else ' is'} "
            "not submitted (any more) and left out.",
        )


@require_POST
def abstract_reviewers(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Add or remove one reviewer on the organisers' page of an abstract."""
    try:
        event = organised_event(request, slug)
    except LoginRequired:
        return login_redirect(request)
    abstract = get_object_or_404(Abstract, event=event, pk=pk)
    action, _, target = request.POST.get("action", "").partition(":")
    try:
        if action == "add":
            reviewer_ids = _ids([request.POST.get("reviewer", "")])
            if not reviewer_ids:
                raise ReviewRefused("Choose a reviewer to add.")
            reviewers_assign(
                event=event, abstract_ids=[abstract.pk], reviewer_ids=reviewer_ids, actor=request.user
            )
            messages.success(request, "Reviewer added.")
        elif action == "remove" and _ids([target]):
            reviewer_unassign(
                event=event, abstract_id=abstract.pk, reviewer_id=int(target), actor=request.user
            )
            messages.success(request, "Reviewer removed.")
        else:
            messages.error(request, "Unknown action.")
    except ReviewRefused as refused:
        messages.error(request, str(refused))
    return redirect(reverse("programme:abstract_record", kwargs={"slug": event.slug, "pk": abstract.pk}))
