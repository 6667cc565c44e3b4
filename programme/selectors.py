from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from abstracts.models import Abstract, Authorship
from abstracts.selectors import programme_order
from conference.models import Event

BOARD_STATUSES = ("submitted", "accepted", "rejected", "withdrawn")  # drafts are their authors' own


@dataclass(frozen=True)
class BoardFilters:
    status: str = ""
    session: str = ""  # a session id, "none", or "" for all
    keyword: str = ""
    search: str = ""

    @classmethod
    def from_query(cls, query) -> "BoardFilters":
        return cls(
            status=query.get("status", "") if query.get("status", "") in BOARD_STATUSES else "",
            session=query.get("session", ""),
            keyword=query.get("keyword", "").strip()[:200],
            search=query.get("q", "").strip()[:200],
        )


def board_abstracts(event: Event, filters: BoardFilters) -> QuerySet[Abstract]:
    """The organisers' table: every abstract past draft, in programme order, in a fixed number of queries."""
    abstracts = (
        Abstract.objects.filter(event=event, status__in=BOARD_STATUSES)
        .select_related("session", "preferred_session")
        .prefetch_related(
            Prefetch(
                "authorships",
                queryset=Authorship.objects.select_related("person").order_by("position"),
            )
        )
    )
    abstracts = programme_order(abstracts)
    if filters.status:
        abstracts = abstracts.filter(status=filters.status)
    if filters.session == "none":
        abstracts = abstracts.filter(session__isnull=True)
    elif filters.session.isdigit():
        abstracts = abstracts.filter(session_id=int(filters.session))
    if filters.keyword:
        abstracts = abstracts.filter(keyword_links__keyword__label__icontains=filters.keyword).distinct()
    if filters.search:
        abstracts = abstracts.filter(
            Q(title__icontains=filters.search)
            | Q(code__iexact=filters.search)
            | Q(authorships__person__last_name__icontains=filters.search)
        ).distinct()
    return abstracts
