import math
from dataclasses import dataclass

from django.db.models import F, Prefetch, Q, QuerySet

from abstracts.models import Abstract, Authorship
from abstracts.selectors import programme_order
from conference.models import Event
from reviews.selectors import with_review_figures

BOARD_STATUSES = ("submitted", "accepted", "rejected", "withdrawn")  # drafts are their authors' own
REVIEW_PROGRESS = {
    "none": "no review yet",
    "partly": "some reviews done",
    "all": "all reviews done",
    "unassigned": "no reviewer assigned",
}
BOARD_SORTS = {"": "programme order", "score": "mean score, highest first"}


def _score_bound(query, name: str, label: str, problems: list[str]) -> float | None:
    typed = query.get(name, "").strip()[:20]
    if not typed:
        return None
    try:
        value = float(typed.replace(",", "."))
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        problems.append(f"{label}: “{typed}” is not a number, so it was left out.")
        return None
    return value


@dataclass(frozen=True)
class BoardFilters:
    status: str = ""
    session: str = ""  # a session id, "none", or "" for all
    keyword: str = ""
    search: str = ""
    score_min: float | None = None  # lowest mean score shown
    score_max: float | None = None  # highest mean score shown
    progress: str = ""  # a key of REVIEW_PROGRESS, or "" for all
    sort: str = ""  # a key of BOARD_SORTS
    problems: tuple[str, ...] = ()  # filters that were typed wrong and left out

    @classmethod
    def from_query(cls, query) -> "BoardFilters":
        problems: list[str] = []
        return cls(
            status=query.get("status", "") if query.get("status", "") in BOARD_STATUSES else "",
            session=query.get("session", ""),
            keyword=query.get("keyword", "").strip()[:200],
            search=query.get("q", "").strip()[:200],
            score_min=_score_bound(query, "score_min", "Mean score from", problems),
            score_max=_score_bound(query, "score_max", "Mean score to", problems),
            progress=query.get("progress", "") if query.get("progress", "") in REVIEW_PROGRESS else "",
            sort=query.get("sort", "") if query.get("sort", "") in BOARD_SORTS else "",
            problems=tuple(problems),
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
    abstracts = with_review_figures(programme_order(abstracts))
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
    if filters.score_min is not None:
        abstracts = abstracts.filter(score_mean__gte=filters.score_min)
    if filters.score_max is not None:
        abstracts = abstracts.filter(score_mean__lte=filters.score_max)
    if filters.progress == "none":
        abstracts = abstracts.filter(reviews_done=0)
    elif filters.progress == "partly":
        abstracts = abstracts.filter(reviews_done__gt=0, reviews_done__lt=F("reviews_assigned"))
    elif filters.progress == "all":
        abstracts = abstracts.filter(reviews_assigned__gt=0, reviews_done=F("reviews_assigned"))
    elif filters.progress == "unassigned":
        abstracts = abstracts.filter(reviews_assigned=0)
    if filters.sort == "score":
        # Highest mean first, unreviewed last; equal means stay in programme order.
        abstracts = abstracts.order_by(F("score_mean").desc(nulls_last=True), *abstracts.query.order_by)
    return abstracts
