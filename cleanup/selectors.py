"""Reads for the clean-up: likely duplicates of one event, grouped, and the merges done so far.

Nothing compares every record with every other: candidates come from blocks (the same folded last
name, names one letter apart found through their one-letter-dropped variants, the same folded key,
an acronym looked up among initials, neighbours in sorted order for near spellings), and a group
only forms where every member is judged the same as every other (``matching.cluster``). An event
of 5,000 abstracts and 15,000 people is reported in about a second (``benchmarks/duplicates.py``).
"""

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from abstracts.models import (
    Abstract,
    AbstractKeyword,
    Affiliation,
    AuthorAffiliation,
    Keyword,
    Person,
    UnattachedAffiliation,
)
from cleanup import matching
from cleanup.models import MergeRecord
from conference.models import Event

_TAG = re.compile(r"<[^>]*>")
TITLE_WINDOW = 8
AFFILIATION_WINDOW = 6
TITLE_SIMILARITY = 0.85
AFFILIATION_SIMILARITY = 0.9


@dataclass(frozen=True)
class Candidate:
    """One record in a group: what it is called, how often it is used, what tells it apart."""

    pk: int
    label: str
    uses: int
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class DuplicateGroup:
    kind: str
    candidates: tuple[Candidate, ...]  # the suggested record to keep first
    reasons: tuple[str, ...]

    @property
    def suggested(self) -> Candidate:
        return self.candidates[0]

    @property
    def key(self) -> str:
        return f"{self.kind}-{'-'.join(str(pk) for pk in sorted(c.pk for c in self.candidates))}"


@dataclass(frozen=True)
class TitleEntry:
    pk: int
    title: str
    code: str
    status: str


@dataclass(frozen=True)
class TitleGroup:
    abstracts: tuple[TitleEntry, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class DuplicatesReport:
    people: list[DuplicateGroup] = field(default_factory=list)
    affiliations: list[DuplicateGroup] = field(default_factory=list)
    keywords: list[DuplicateGroup] = field(default_factory=list)
    titles: list[TitleGroup] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.people) + len(self.affiliations) + len(self.keywords) + len(self.titles)


def duplicates_report(event: Event) -> DuplicatesReport:
    return DuplicatesReport(
        people=duplicate_people(event),
        affiliations=duplicate_affiliations(event),
        keywords=duplicate_keywords(event),
        titles=duplicate_titles(event),
    )


def merge_records(event: Event) -> QuerySet[MergeRecord]:
    return MergeRecord.objects.filter(event=event).order_by("-at", "-pk")


def _groups(kind: str, found, candidates: dict[int, Candidate], rank) -> list[DuplicateGroup]:
    groups = []
    for members, reasons in found:
        ordered = sorted((candidates[pk] for pk in members), key=rank)
        groups.append(DuplicateGroup(kind=kind, candidates=tuple(ordered), reasons=tuple(reasons)))
    return sorted(groups, key=lambda group: matching.fold(group.suggested.label))


def _strongest_first(candidates: dict[int, Candidate], *kinds_of_pairs) -> list[tuple[int, int]]:
    """Pairs by the strength of their rule, then the most used first, then by id (so the same data
    always gives the same groups)."""
    ordered = []
    for pairs in kinds_of_pairs:
        ordered.extend(
            sorted(
                {(min(a, b), max(a, b)) for a, b in pairs if a != b},
                key=lambda pair: (-(candidates[pair[0]].uses + candidates[pair[1]].uses), pair),
            )
        )
    return ordered


def _chain(bucket: list[int]) -> Iterable[tuple[int, int]]:
    """Pairs enough to join a bucket whose members are all the same by one rule."""
    return ((bucket[0], other) for other in bucket[1:])


def _all_pairs(bucket: list[int]) -> Iterable[tuple[int, int]]:
    return ((a, b) for i, a in enumerate(bucket) for b in bucket[i + 1 :])


# People -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Name:
    first: tuple[str, ...]
    first_compact: str
    last: str
    orcid: str
    email: str


def _person_reason(a: _Name, b: _Name) -> str | None:
    if a.orcid and b.orcid:
        return "the same ORCID iD" if a.orcid == b.orcid else None
    if a.email and a.email == b.email:
        return "the same e-mail address"
    if a.last == b.last:
        if a.first_compact == b.first_compact:
            return "the same name apart from case, accents, punctuation or spacing"
        if matching.first_names_compatible(a.first, b.first):
            return "initials or a shorter first name that fit the other"
        return None
    if min(len(a.last), len(b.last)) >= 5 and matching.within_one_edit(a.last, b.last):
        same_initial = not a.first or not b.first or a.first[0][0] == b.first[0][0]
        if same_initial and (
            matching.first_names_compatible(a.first, b.first)
            or matching.within_one_edit(a.first[0], b.first[0])
        ):
            return "last names one letter apart, the same first initial"
    return None


def duplicate_people(event: Event) -> list[DuplicateGroup]:
    rows = (
        Person.objects.filter(event=event)
        .annotate(uses=Count("authorships"))
        .values_list("pk", "title", "first_name", "last_name", "email", "orcid", "uses")
    )
    names: dict[int, _Name] = {}
    candidates: dict[int, Candidate] = {}
    for pk, title, first_name, last_name, email, orcid, uses in rows:
        first = matching.name_tokens(first_name)
        names[pk] = _Name(
            first=first,
            first_compact="".join(first),
            last="".join(matching.name_tokens(last_name)),
            orcid=orcid,
            email=email.lower(),
        )
        details = tuple(detail for detail in (title, email, f"ORCID {orcid}" if orcid else "") if detail)
        label = f"{first_name} {last_name}".strip()
        candidates[pk] = Candidate(pk=pk, label=label, uses=uses, details=details)

    by_identity: dict[str, list[int]] = defaultdict(list)
    by_last: dict[str, list[int]] = defaultdict(list)
    for pk, name in names.items():
        if name.orcid:
            by_identity[f"orcid {name.orcid}"].append(pk)
        if name.email:
            by_identity[f"email {name.email}"].append(pk)
        by_last[name.last].append(pk)

    strong, weak, typos = [], [], []
    for bucket in by_identity.values():
        strong.extend(_chain(bucket))
    for bucket in by_last.values():
        if len(bucket) < 2:
            continue
        by_first: dict[str, list[int]] = defaultdict(list)
        by_initial: dict[str, list[int]] = defaultdict(list)
        loose = []  # no first name, or only initials: may fit anyone with that initial
        for pk in bucket:
            first = names[pk].first
            if not first:
                loose.append(pk)
                continue
            by_initial[first[0][0]].append(pk)
            if len(first[0]) == 1:
                loose.append(pk)
            else:
                by_first[first[0]].append(pk)
        for same_first in by_first.values():
            strong.extend(_all_pairs(same_first))
        for pk in loose:
            first = names[pk].first
            others = by_initial[first[0][0]] if first else bucket
            weak.extend((pk, other) for other in others if other != pk)

    # Last names one letter apart, looked up per distinct last name; then their people compared.
    for a, b in matching.one_edit_apart(last for last in by_last if len(last) >= 5):
        for x in by_last[a]:
            for y in by_last[b]:
                if _person_reason(names[x], names[y]):
                    typos.append((x, y))

    def reason(a: int, b: int) -> str | None:
        return _person_reason(names[a], names[b])

    pairs = _strongest_first(candidates, strong, weak, typos)
    found = matching.cluster(pairs, reason)

    def rank(candidate: Candidate) -> tuple:
        name = names[candidate.pk]
        return (-candidate.uses, not name.orcid, not name.email, -len(name.first_compact), candidate.pk)

    return _groups("person", found, candidates, rank)


# Affiliations -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Organisation:
    text: str  # folded words with abbreviations written out
    words: tuple[str, ...]
    key: str
    acronym: str  # the name itself when it is written as an acronym ("HZM" → "hzm"), else ""
    initials: frozenset[str]
    aside: str  # the acronym the name gives for itself in brackets at its end, else ""
    numbers: tuple[str, ...]


def _organisation(name: str) -> _Organisation:
    words = matching.affiliation_words(name)
    acronym = "".join(words) if matching.looks_like_acronym(name, shortest=3) else ""
    return _Organisation(
        text=" ".join(words),
        words=words,
        key=matching.affiliation_key(words) or " ".join(words),
        acronym=acronym,
        initials=frozenset(matching.initials([w for w in words if w not in {"gmbh", "ev", "ag"}])),
        aside=matching.aside(name),
        numbers=tuple(matching.numbers(" ".join(words))),
    )


def _affiliation_reason(a: _Organisation, b: _Organisation) -> str | None:
    if a.key == b.key:
        return "the same name apart from case, accents, punctuation, word order or abbreviations"
    for short, long in ((a, b), (b, a)):
        if short.acronym and short.acronym in long.initials:
            return "an acronym that is the initials of the other name"
        if short.acronym and short.acronym == long.aside:
            return "an acronym the other name gives in brackets"
    if (
        a.numbers == b.numbers
        and matching.words_typo_apart(a.words, b.words)
        and matching.similarity(a.text, b.text) >= AFFILIATION_SIMILARITY
    ):
        return "nearly the same spelling"
    return None


def duplicate_affiliations(event: Event) -> list[DuplicateGroup]:
    uses: Counter = Counter()
    for model in (AuthorAffiliation, UnattachedAffiliation):
        field_name = "authorship__abstract__event" if model is AuthorAffiliation else "abstract__event"
        for affiliation_id, count in (
            model.objects.filter(**{field_name: event})
            .values("affiliation_id")
            .annotate(count=Count("pk"))
            .values_list("affiliation_id", "count")
        ):
            uses[affiliation_id] += count
    organisations: dict[int, _Organisation] = {}
    candidates: dict[int, Candidate] = {}
    for pk, name in Affiliation.objects.filter(event=event).values_list("pk", "name"):
        organisations[pk] = _organisation(name)
        candidates[pk] = Candidate(pk=pk, label=name, uses=uses[pk])

    by_key: dict[str, list[int]] = defaultdict(list)
    by_initials: dict[str, list[int]] = defaultdict(list)
    for pk, organisation in organisations.items():
        by_key[organisation.key].append(pk)
        for acronym in organisation.initials:
            by_initials[acronym].append(pk)
        if organisation.aside:
            by_initials[organisation.aside].append(pk)
    same, acronyms, near = [], [], []
    for bucket in by_key.values():
        same.extend(_chain(bucket))
    for pk, organisation in organisations.items():
        if organisation.acronym:
            acronyms.extend((pk, other) for other in by_initials.get(organisation.acronym, ()))
    texts = {pk: organisation.text for pk, organisation in organisations.items()}
    for a, b in matching.sorted_neighbours(texts, AFFILIATION_WINDOW):
        if matching.share_ends(texts[a], texts[b], 0.7):
            near.append((a, b))

    def reason(a: int, b: int) -> str | None:
        return _affiliation_reason(organisations[a], organisations[b])

    pairs = _strongest_first(candidates, same, acronyms, near)
    found = matching.cluster(pairs, reason)

    def rank(candidate: Candidate) -> tuple:
        return (
            -candidate.uses,
            bool(organisations[candidate.pk].acronym),
            -len(candidate.label),
            candidate.pk,
        )

    return _groups("affiliation", found, candidates, rank)


# Keywords ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Term:
    key: str
    acronym: str
    initials: frozenset[str]


def _keyword_reason(a: _Term, b: _Term) -> str | None:
    if a.key == b.key:
        return "the same keyword apart from case, hyphens, spacing or a plural"
    if (a.acronym and a.acronym in b.initials) or (b.acronym and b.acronym in a.initials):
        return "an acronym that is the initials of the other keyword"
    return None


def duplicate_keywords(event: Event) -> list[DuplicateGroup]:
    uses: Counter = Counter()
    spellings: dict[int, Counter] = defaultdict(Counter)
    for keyword_id, spelling, count in (
        AbstractKeyword.objects.filter(abstract__event=event)
        .values("keyword_id", "spelling")
        .annotate(count=Count("pk"))
        .values_list("keyword_id", "spelling", "count")
    ):
        uses[keyword_id] += count
        if spelling:
            spellings[keyword_id][spelling] += count
    terms: dict[int, _Term] = {}
    candidates: dict[int, Candidate] = {}
    for pk, label in Keyword.objects.filter(event=event).values_list("pk", "label"):
        words = matching.keyword_words(label)
        terms[pk] = _Term(
            key=matching.keyword_key(words),
            acronym="".join(words) if matching.looks_like_acronym(label) else "",
            initials=frozenset(matching.initials(words)),
        )
        others = [spelling for spelling, _ in spellings[pk].most_common() if spelling != label]
        details = (f"also written {', '.join(others)}",) if others else ()
        candidates[pk] = Candidate(pk=pk, label=label, uses=uses[pk], details=details)

    by_key: dict[str, list[int]] = defaultdict(list)
    by_initials: dict[str, list[int]] = defaultdict(list)
    for pk, term in terms.items():
        by_key[term.key].append(pk)
        for acronym in term.initials:
            by_initials[acronym].append(pk)
    same, acronyms = [], []
    for bucket in by_key.values():
        same.extend(_chain(bucket))
    for pk, term in terms.items():
        if term.acronym:
            acronyms.extend((pk, other) for other in by_initials.get(term.acronym, ()))

    def reason(a: int, b: int) -> str | None:
        return _keyword_reason(terms[a], terms[b])

    found = matching.cluster(_strongest_first(candidates, same, acronyms), reason)

    def rank(candidate: Candidate) -> tuple:
        return (-candidate.uses, bool(terms[candidate.pk].acronym), candidate.pk)

    return _groups("keyword", found, candidates, rank)


# Titles -----------------------------------------------------------------------------------------


def _title_reason(a: str, b: str) -> str | None:
    if a == b:
        return "the same title"
    if matching.numbers(a) != matching.numbers(b) or min(len(a), len(b)) < 12:
        return None
    if matching.similarity(a, b) >= TITLE_SIMILARITY:
        return "nearly the same title"
    return None


def duplicate_titles(event: Event) -> list[TitleGroup]:
    """Abstracts whose titles are the same or nearly so (a word or a few letters apart): report only."""
    entries: dict[int, TitleEntry] = {}
    titles: dict[int, str] = {}
    for pk, title, code, status in Abstract.objects.filter(event=event).values_list(
        "pk", "title", "code", "status"
    ):
        entries[pk] = TitleEntry(pk=pk, title=title, code=code, status=status)
        titles[pk] = matching.fold(_TAG.sub("", title))
    same: dict[str, list[int]] = defaultdict(list)
    for pk, title in titles.items():
        same[title].append(pk)
    pairs = [pair for bucket in same.values() for pair in _chain(bucket)]
    for a, b in matching.sorted_neighbours(titles, TITLE_WINDOW):
        if titles[a] != titles[b] and matching.share_ends(titles[a], titles[b], 0.7):
            pairs.append((a, b))
    pairs = sorted({(min(a, b), max(a, b)) for a, b in pairs if a != b})
    found = matching.cluster(pairs, lambda a, b: _title_reason(titles[a], titles[b]))
    groups = [
        TitleGroup(abstracts=tuple(entries[pk] for pk in sorted(members)), reasons=tuple(reasons))
        for members, reasons in found
    ]
    return sorted(groups, key=lambda group: titles[group.abstracts[0].pk])


# Manual merge -----------------------------------------------------------------------------------


def records_matching(event: Event, kind: str, query: str, limit: int = 40) -> list[Candidate]:
    """Records of one kind whose name contains any word of ``query`` ("HMGU Helmholtz"), most used first."""
    words = query.split()[:8]
    if not words:
        return []
    if kind == MergeRecord.Kind.PERSON:
        fields = ("first_name", "last_name", "email")
        queryset = Person.objects.annotate(uses=Count("authorships"))
        order = ("-uses", "last_name", "first_name", "pk")
    elif kind == MergeRecord.Kind.AFFILIATION:
        fields = ("name",)
        queryset = Affiliation.objects.annotate(
            uses=Count("author_links", distinct=True) + Count("unattached_links", distinct=True)
        )
        order = ("-uses", "name", "pk")
    elif kind == MergeRecord.Kind.KEYWORD:
        fields = ("label",)
        queryset = Keyword.objects.annotate(uses=Count("abstract_links"))
        order = ("-uses", "key", "pk")
    else:
        return []
    matches = Q()
    for word in words:
        for name in fields:
            matches |= Q(**{f"{name}__icontains": word})
    found = []
    for record in queryset.filter(matches, event=event).order_by(*order)[:limit]:
        if kind == MergeRecord.Kind.PERSON:
            details = (record.title, record.email, f"ORCID {record.orcid}" if record.orcid else "")
            found.append(
                Candidate(
                    pk=record.pk,
                    label=record.full_name,
                    uses=record.uses,
                    details=tuple(filter(None, details)),
                )
            )
        else:
            found.append(Candidate(pk=record.pk, label=str(record), uses=record.uses))
    return found
