"""Reads of abstracts, shaped the way a book of abstracts prints them."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import attrgetter

from django.db.models import F, Prefetch, QuerySet

from abstracts.models import Abstract, AbstractKeyword, AuthorAffiliation, Authorship
from conference.models import Event
from conference.permissions import is_organiser


@dataclass(frozen=True)
class PrintedAuthor:
    person_id: int
    first_name: str
    last_name: str
    title: str
    numbers: tuple[int, ...]
    is_presenting: bool

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class PrintedAbstract:
    pk: int
    code: str
    title: str
    authors: tuple[PrintedAuthor, ...]
    note: str
    affiliations: tuple[tuple[int, str], ...]
    text: str
    keywords: tuple[str, ...]
    session_title: str
    status: str
    url: str


def number_affiliations(
    author_affiliations: Iterable[Iterable], unattached: Iterable = (), *, key: Callable = attrgetter("pk")
) -> tuple[list, list[tuple[int, ...]]]:
    """Number an abstract's affiliations in order of first appearance along the authors.

    ``author_affiliations`` holds, per author in order, that author's affiliations in
    order; ``unattached`` the ones listed but carried by nobody, numbered last. ``key``
    says when two are the same one (stored rows by primary key; typed names by ``text_key``).
    Returns the numbered list and, per author, their superscript numbers.
    """
    numbered: list = []
    number_of: dict = {}

    def number(affiliation) -> int:
        identity = key(affiliation)
        if identity not in number_of:
            numbered.append(affiliation)
            number_of[identity] = len(numbered)
        return number_of[identity]

    per_author = [
        tuple(number(affiliation) for affiliation in affiliations) for affiliations in author_affiliations
    ]
    for affiliation in unattached:
        number(affiliation)
    return numbered, per_author


def with_print_relations(queryset: QuerySet[Abstract]) -> QuerySet[Abstract]:
    """Everything a printed abstract needs, in a constant number of queries."""
    return queryset.select_related("event", "session").prefetch_related(
        Prefetch(
            "authorships",
            queryset=Authorship.objects.select_related("person")
            .prefetch_related(
                Prefetch(
                    "affiliation_links",
                    queryset=AuthorAffiliation.objects.select_related("affiliation"),
                )
            )
            .order_by("position"),
        ),
        Prefetch(
            "keyword_links",
            queryset=AbstractKeyword.objects.select_related("keyword").order_by("position"),
        ),
        "unattached_affiliations__affiliation",
    )


def printed_abstract(abstract: Abstract) -> PrintedAbstract:
    """Shape an abstract (fetched through ``with_print_relations``) for the page and the book."""
    authorships = list(abstract.authorships.all())
    keyword_links = list(abstract.keyword_links.all())
    numbered, numbers = number_affiliations(
        ([link.affiliation for link in authorship.affiliation_links.all()] for authorship in authorships),
        (link.affiliation for link in abstract.unattached_affiliations.all()),
    )
    return PrintedAbstract(
        pk=abstract.pk,
        code=abstract.code,
        title=abstract.title,
        authors=tuple(
            PrintedAuthor(
                person_id=authorship.person_id,
                first_name=authorship.person.first_name,
                last_name=authorship.person.last_name,
                title=authorship.person.title,
                numbers=author_numbers,
                is_presenting=authorship.is_presenting,
            )
            for authorship, author_numbers in zip(authorships, numbers, strict=True)
        ),
        note=abstract.note,
        affiliations=tuple((number, affiliation.name) for number, affiliation in enumerate(numbered, 1)),
        text=abstract.text,
        keywords=tuple(link.keyword.label for link in keyword_links),
        session_title=abstract.session.title if abstract.session else "",
        status=abstract.status,
        url=abstract.get_absolute_url(),
    )


def programme_order(queryset: QuerySet[Abstract]) -> QuerySet[Abstract]:
    """Book order: sessions in their order; within one, the organisers' order (the programme
    board sets it), then codes naturally (PS2 before PS10)."""
    return queryset.order_by(
        F("session__order").asc(nulls_last=True),
        "session__title",
        F("order").asc(nulls_last=True),
        "code_sort",
        "pk",
    )


def accepted_abstracts(event: Event) -> QuerySet[Abstract]:
    return programme_order(with_print_relations(event.abstracts.filter(status=Abstract.Status.ACCEPTED)))


@dataclass(frozen=True)
class SessionGroup:
    title: str
    abstracts: list[PrintedAbstract]


def programme(event: Event) -> list[SessionGroup]:
    """The accepted abstracts grouped by session, in book order; those without one come last."""
    groups: dict[int | None, SessionGroup] = {}
    sessions = {session.pk: session for session in event.sessions.all()}
    for session in sessions.values():
        groups[session.pk] = SessionGroup(session.title, [])
    unsessioned = SessionGroup("", [])
    for abstract in accepted_abstracts(event):
        group = groups.get(abstract.session_id, unsessioned)
        group.abstracts.append(printed_abstract(abstract))
    result = [group for group in groups.values() if group.abstracts]
    if unsessioned.abstracts:
        result.append(unsessioned)
    return result


def abstract_visible_to(user, abstract: Abstract) -> bool:
    """Accepted abstracts of published events are public; the rest only to its submitter and organisers."""
    if user.is_authenticated and is_organiser(user, abstract.event):
        return True
    if abstract.submitter_id is not None and abstract.submitter_id == user.pk:
        return True
    return abstract.event.is_published and abstract.status == Abstract.Status.ACCEPTED


def abstracts_of_submitter(user) -> QuerySet[Abstract]:
    """A submitter's abstracts across events, newest event first, for "My abstracts"."""
    return (
        Abstract.objects.filter(submitter=user)
        .select_related("event", "session", "preferred_session")
        .order_by("-event__start_date", "event__name", "-updated_at")
    )


def known_affiliations(event: Event) -> list[str]:
    """Affiliations some abstract of the event carries: suggested so each is typed one way."""
    return list(
        event.affiliations.filter(author_links__isnull=False)
        .distinct()
        .order_by("name")
        .values_list("name", flat=True)
    )


def known_keywords(event: Event) -> list[str]:
    return list(
        event.keywords.filter(abstract_links__isnull=False)
        .distinct()
        .order_by("key")
        .values_list("label", flat=True)
    )
