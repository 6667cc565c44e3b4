from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from abstracts.models import Abstract
from abstracts.selectors import abstract_visible_to, printed_abstract, with_print_relations


def abstract_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    abstract = get_object_or_404(with_print_relations(Abstract.objects), event__slug=slug, pk=pk)
    if not abstract_visible_to(request.user, abstract):
        raise Http404("No such abstract.")
    return render(
        request,
        "abstracts/abstract_detail.html",
        {"event": abstract.event, "abstract": printed_abstract(abstract)},
    )
