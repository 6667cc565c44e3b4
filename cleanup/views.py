from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cleanup.forms import MergeForm, RecordSearchForm
from cleanup.selectors import DuplicateGroup, duplicates_report, merge_records, records_matching
from cleanup.services import MERGES, MergeRefused, merge_summary
from conference.permissions import LoginRequired, login_redirect, organised_event


def duplicates(request: HttpRequest, slug: str) -> HttpResponse:
    """Likely duplicates with a merge per group, a search to merge by hand, and the merges done."""
    try:
        event = organised_event(request, slug)
    except LoginRequired:
        return login_redirect(request)
    if request.method == "POST":
        form = MergeForm(request.POST)
        if form.is_valid():
            merge = MERGES[form.cleaned_data["kind"]]
            try:
                record = merge(
                    event=event,
                    keep_id=form.cleaned_data["keep"],
                    merge_ids=form.cleaned_data["merge_ids"],
                    actor=request.user,
                )
                messages.success(request, merge_summary(record))
            except MergeRefused as refused:
                messages.error(request, str(refused))
        else:
            messages.error(request, form.problem())
        query = form.cleaned_data.get("return_query", "")
        return redirect(request.path + (f"?{query}" if query and "\n" not in query else ""))
    search = RecordSearchForm(request.GET if "q" in request.GET else None)
    found = (
        records_matching(event, search.cleaned_data["kind"], search.cleaned_data["q"])
        if search.is_valid()
        else None
    )
    return render(
        request,
        "cleanup/duplicates.html",
        {
            "event": event,
            "report": duplicates_report(event),
            "search": search,
            "found": found,
            "found_group": DuplicateGroup(
                kind=search.cleaned_data["kind"], candidates=tuple(found), reasons=()
            )
            if found
            else None,
            "merges": list(merge_records(event)[:100]),
            "return_query": request.GET.urlencode() if "q" in request.GET else "",
        },
    )
