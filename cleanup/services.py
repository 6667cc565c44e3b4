"""Merging duplicate people, affiliations and keywords of one event into a kept record.

Each merge works inside one transaction with the event's row locked (merges and the programme
board's actions of one event are served one after the other) and the records involved locked too,
re-points every link to the kept record, deletes the merged records, writes a ``MergeRecord`` and
an audit entry on every abstract it touched, and marks the event changed once, so the indexes and
the book follow.

Where re-pointing would break a unique constraint, the two links say the same thing twice and
become one:

- people: one abstract with authorships by two of the merged people keeps the earlier authorship,
  moves the other's affiliations onto it (after its own), keeps it presenting if either was, and
  numbers the abstract's authors 1, 2, 3 … again without gaps;
- affiliations: an author with two of them keeps one link, at the earlier place; an affiliation
  listed under an abstract without an author (unattached) that an author now carries is no
  longer unattached and its listing goes;
- keywords: an abstract with two of them keeps one link, at the earlier place. Moved links take
  the kept keyword's label as their spelling (the organiser chose that spelling to be printed).

The kept person's empty e-mail, ORCID iD, title and first name are filled from the merged people
when those agree (two different e-mail addresses fill nothing). Refused, with a message: records
of another event, a record merged into itself, people with two different ORCID iDs.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Model

from abstracts.models import (
    Abstract,
    AbstractKeyword,
    Affiliation,
    AuthorAffiliation,
    Authorship,
    Keyword,
    Person,
    UnattachedAffiliation,
)
from audit.models import AuditEntry
from audit.services import actor_label, audit_record_each
from cleanup.models import MergeRecord
from conference.changes import event_changed
from conference.models import Event

MODELS = {
    MergeRecord.Kind.PERSON: Person,
    MergeRecord.Kind.AFFILIATION: Affiliation,
    MergeRecord.Kind.KEYWORD: Keyword,
}
NOUNS = {
    MergeRecord.Kind.PERSON: ("person", "people"),
    MergeRecord.Kind.AFFILIATION: ("affiliation", "affiliations"),
    MergeRecord.Kind.KEYWORD: ("keyword", "keywords"),
}
# The links each kind of record has; a merge re-points exactly these and nothing else may point at
# a merged record (checked before deleting, so a link added elsewhere later is never lost quietly).
HANDLED_LINKS = {
    Person: {(Authorship, "person")},
    Affiliation: {(AuthorAffiliation, "affiliation"), (UnattachedAffiliation, "affiliation")},
    Keyword: {(AbstractKeyword, "keyword")},
}


class MergeRefused(Exception):
    """The merge cannot be made; the message says why, for the organiser."""


@dataclass
class _Tally:
    moved: int = 0
    collapsed: int = 0
    abstracts: set[int] = field(default_factory=set)
    details: dict = field(default_factory=dict)


def people_merge(*, event: Event, keep_id: int, merge_ids: list[int], actor=None) -> MergeRecord:
    """Merge the people ``merge_ids`` into ``keep_id``: their authorships become the kept person's."""
    with transaction.atomic():
        kept, merged = _locked_records(event, MergeRecord.Kind.PERSON, keep_id, merge_ids)
        orcids = {person.orcid for person in [kept, *merged] if person.orcid}
        if len(orcids) > 1:
            raise MergeRefused(
                "These people have different ORCID iDs ("
                + ", ".join(sorted(orcids))
                + "): they are different people, or one iD is wrong; correct it in the admin first."
            )
        labels = [_person_label(person) for person in merged]
        tally = _Tally()
        group = [kept.pk, *(person.pk for person in merged)]
        authorships = list(Authorship.objects.filter(person_id__in=group).order_by("abstract_id", "position"))
        by_abstract: dict[int, list[Authorship]] = defaultdict(list)
        for authorship in authorships:
            by_abstract[authorship.abstract_id].append(authorship)
        renumber = []
        for abstract_id, listed in by_abstract.items():
            if any(authorship.person_id != kept.pk for authorship in listed):
                tally.abstracts.add(abstract_id)
            if len(listed) > 1:
                _collapse_authorships(listed[0], listed[1:], tally)
                renumber.append(abstract_id)
        tally.moved += Authorship.objects.filter(person_id__in=group[1:]).update(person_id=kept.pk)
        for abstract_id in renumber:
            _renumber(Authorship.objects.filter(abstract_id=abstract_id))
        filled = _fill_person(kept, merged)
        _delete_merged(Person, merged)
        if filled:
            kept.save()
        return _finish(
            event=event,
            kind=MergeRecord.Kind.PERSON,
            kept_id=kept.pk,
            kept_label=_person_label(kept),
            merged=merged,
            labels=labels,
            tally=tally,
            actor=actor,
            details={**tally.details, **({"filled": filled} if filled else {})},
        )


def affiliations_merge(*, event: Event, keep_id: int, merge_ids: list[int], actor=None) -> MergeRecord:
    """Merge the affiliations ``merge_ids`` into ``keep_id``: every author and abstract listing one of
    them lists the kept one instead."""
    with transaction.atomic():
        kept, merged = _locked_records(event, MergeRecord.Kind.AFFILIATION, keep_id, merge_ids)
        group = [kept.pk, *(affiliation.pk for affiliation in merged)]
        tally = _Tally()
        links = AuthorAffiliation.objects.filter(affiliation_id__in=group).select_related("authorship")
        tally.abstracts.update(
            link.authorship.abstract_id for link in links if link.affiliation_id != kept.pk
        )
        _collapse_links(links, owner="authorship_id", target="affiliation_id", kept_id=kept.pk, tally=tally)
        tally.moved += AuthorAffiliation.objects.filter(affiliation_id__in=group[1:]).update(
            affiliation_id=kept.pk
        )
        loose = UnattachedAffiliation.objects.filter(affiliation_id__in=group)
        tally.abstracts.update(link.abstract_id for link in loose if link.affiliation_id != kept.pk)
        _collapse_links(loose, owner="abstract_id", target="affiliation_id", kept_id=kept.pk, tally=tally)
        tally.moved += UnattachedAffiliation.objects.filter(affiliation_id__in=group[1:]).update(
            affiliation_id=kept.pk
        )
        # Listed as carried by nobody, but an author of the abstract carries it now.
        carried = UnattachedAffiliation.objects.filter(
            affiliation_id=kept.pk,
            abstract_id__in=tally.abstracts,
            abstract__authorships__affiliation_links__affiliation_id=kept.pk,
        ).distinct()
        carried_abstracts = set(carried.values_list("abstract_id", flat=True))
        if carried_abstracts:
            tally.collapsed += UnattachedAffiliation.objects.filter(
                affiliation_id=kept.pk, abstract_id__in=carried_abstracts
            ).delete()[0]
            for abstract_id in carried_abstracts:
                _renumber(UnattachedAffiliation.objects.filter(abstract_id=abstract_id))
        labels = [affiliation.name for affiliation in merged]
        _delete_merged(Affiliation, merged)
        return _finish(
            event=event,
            kind=MergeRecord.Kind.AFFILIATION,
            kept_id=kept.pk,
            kept_label=kept.name,
            merged=merged,
            labels=labels,
            tally=tally,
            actor=actor,
        )


def keywords_merge(*, event: Event, keep_id: int, merge_ids: list[int], actor=None) -> MergeRecord:
    """Merge the keywords ``merge_ids`` into ``keep_id``: every abstract with one of them has the kept
    one instead, spelled as the kept keyword is."""
    with transaction.atomic():
        kept, merged = _locked_records(event, MergeRecord.Kind.KEYWORD, keep_id, merge_ids)
        group = [kept.pk, *(keyword.pk for keyword in merged)]
        tally = _Tally()
        links = AbstractKeyword.objects.filter(keyword_id__in=group)
        tally.abstracts.update(link.abstract_id for link in links if link.keyword_id != kept.pk)
        repointed = _collapse_links(
            links, owner="abstract_id", target="keyword_id", kept_id=kept.pk, tally=tally
        )
        tally.moved += AbstractKeyword.objects.filter(keyword_id__in=group[1:]).update(
            keyword_id=kept.pk, spelling=kept.label
        )
        AbstractKeyword.objects.filter(pk__in=repointed).update(spelling=kept.label)
        labels = [keyword.label for keyword in merged]
        _delete_merged(Keyword, merged)
        return _finish(
            event=event,
            kind=MergeRecord.Kind.KEYWORD,
            kept_id=kept.pk,
            kept_label=kept.label,
            merged=merged,
            labels=labels,
            tally=tally,
            actor=actor,
        )


MERGES = {
    MergeRecord.Kind.PERSON: people_merge,
    MergeRecord.Kind.AFFILIATION: affiliations_merge,
    MergeRecord.Kind.KEYWORD: keywords_merge,
}


def merge_summary(record: MergeRecord) -> str:
    """What a merge did, in one sentence for the organiser."""
    singular, plural = NOUNS[record.kind]
    link = {
        MergeRecord.Kind.PERSON: "authorship",
        MergeRecord.Kind.AFFILIATION: "affiliation link",
        MergeRecord.Kind.KEYWORD: "keyword link",
    }[record.kind]
    merged = ", ".join(f"“{label}”" for label in record.merged_labels)
    count = len(record.merged_labels)
    text = (
        f"Merged {count} {singular if count == 1 else plural} ({merged}) into “{record.kept_label}”: "
        f"{_counted(record.links_moved, link)} moved"
    )
    if record.links_collapsed:
        text += f", {_counted(record.links_collapsed, 'duplicate')} on the same abstract or author made one"
    if record.details.get("affiliation_links_moved"):
        moved = _counted(record.details["affiliation_links_moved"], "affiliation")
        text += f", {moved} moved onto the kept author"
    text += f"; {_counted(record.abstracts_touched, 'abstract')} changed."
    if record.details.get("filled"):
        text += " Filled in from the merged: " + ", ".join(record.details["filled"]) + "."
    return text


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _locked_records(event: Event, kind: str, keep_id: int, merge_ids: list[int]) -> tuple[Model, list[Model]]:
    """The kept record and the merged ones, locked; refuses what cannot be merged."""
    model = MODELS[kind]
    singular, plural = NOUNS[kind]
    merge_ids = list(dict.fromkeys(merge_ids))
    if keep_id in merge_ids:
        raise MergeRefused(
            f"A record cannot be merged into itself: choose the {singular} to keep and others."
        )
    if not merge_ids:
        raise MergeRefused(f"Choose at least one other {singular} to merge into the one kept.")
    Event.objects.select_for_update().get(pk=event.pk)
    records = {
        record.pk: record
        for record in model.objects.select_for_update().filter(pk__in=[keep_id, *merge_ids]).order_by("pk")
    }
    missing = [pk for pk in [keep_id, *merge_ids] if pk not in records]
    if missing:
        raise MergeRefused(
            f"Some of these {plural} no longer exist (merged or removed meanwhile); reload the page."
        )
    foreign = [record for record in records.values() if record.event_id != event.pk]
    if foreign:
        raise MergeRefused(
            f"“{foreign[0]}” belongs to another event; only {plural} of this event can be merged here."
        )
    return records[keep_id], [records[pk] for pk in merge_ids]


def _collapse_authorships(first: Authorship, others: list[Authorship], tally: _Tally) -> None:
    """One abstract lists the merged people more than once: keep the first place, take over the rest."""
    presenting = any(authorship.is_presenting for authorship in [first, *others])
    carried = set(first.affiliation_links.values_list("affiliation_id", flat=True))
    moving = []
    for other in others:
        for link_id, affiliation_id in other.affiliation_links.order_by("position").values_list(
            "pk", "affiliation_id"
        ):
            if affiliation_id not in carried:
                carried.add(affiliation_id)
                moving.append(link_id)
    # Moved after the author's own affiliations (far out of the way first, then numbered 1, 2 …).
    for offset, link_id in enumerate(moving, 1):
        AuthorAffiliation.objects.filter(pk=link_id).update(authorship_id=first.pk, position=10**6 + offset)
    Authorship.objects.filter(pk__in=[other.pk for other in others]).delete()
    _renumber(AuthorAffiliation.objects.filter(authorship_id=first.pk))
    if presenting and not first.is_presenting:
        Authorship.objects.filter(pk=first.pk).update(is_presenting=True)
    tally.collapsed += len(others)
    tally.details["affiliation_links_moved"] = tally.details.get("affiliation_links_moved", 0) + len(moving)


def _collapse_links(links, *, owner: str, target: str, kept_id: int, tally: _Tally) -> set[int]:
    """Links of one owner (an author, an abstract) to two records of the group become one, at the
    earlier place; the owner's links are numbered again without gaps.

    ``owner`` and ``target`` name the link's two foreign keys (e.g. "abstract_id", "keyword_id").
    Returns the ids of the kept links that were re-pointed to the kept record here.
    """
    model = links.model
    by_owner: dict[int, list] = defaultdict(list)
    for link in sorted(links, key=lambda link: (getattr(link, owner), link.position)):
        by_owner[getattr(link, owner)].append(link)
    repointed = set()
    for owner_id, listed in by_owner.items():
        if len(listed) < 2:
            continue
        first, rest = listed[0], listed[1:]
        model.objects.filter(pk__in=[link.pk for link in rest]).delete()
        tally.collapsed += len(rest)
        if getattr(first, target) != kept_id:
            model.objects.filter(pk=first.pk).update(**{target: kept_id})
            tally.moved += 1
            repointed.add(first.pk)
        _renumber(model.objects.filter(**{owner: owner_id}))
    return repointed


def _renumber(queryset) -> None:
    """Positions 1, 2, 3 … without gaps, in the present order. Rows move down one at a time, in
    order, so no two ever share a place (the unique constraints are checked row by row)."""
    for position, (pk, current) in enumerate(queryset.order_by("position").values_list("pk", "position"), 1):
        if current != position:
            queryset.model.objects.filter(pk=pk).update(position=position)


def _fill_person(kept: Person, merged: list[Person]) -> list[str]:
    """Empty fields of the kept person taken from the merged people where they agree."""
    filled = []
    for name, label in (
        ("email", "e-mail"),
        ("orcid", "ORCID iD"),
        ("title", "title"),
        ("first_name", "first name"),
    ):
        if getattr(kept, name):
            continue
        values = {getattr(person, name).strip() for person in merged if getattr(person, name).strip()}
        if len({value.casefold() for value in values}) == 1:
            setattr(kept, name, values.pop())
            filled.append(label)
    return filled


def _delete_merged(model, merged: list[Model]) -> None:
    ids = [record.pk for record in merged]
    for relation in model._meta.related_objects:
        if (relation.related_model, relation.field.name) in HANDLED_LINKS[model]:
            continue
        if relation.related_model.objects.filter(**{f"{relation.field.name}__in": ids}).exists():
            what = relation.related_model._meta.verbose_name
            raise MergeRefused(f"A {what} still refers to a merged record; nothing was merged.")
    model.objects.filter(pk__in=ids).delete()


def _person_label(person: Person) -> str:
    return person.full_name


def _finish(
    *,
    event: Event,
    kind: str,
    kept_id: int,
    kept_label: str,
    merged: list[Model],
    labels: list[str],
    tally: _Tally,
    actor,
    details: dict | None = None,
) -> MergeRecord:
    details = details if details is not None else tally.details
    record = MergeRecord.objects.create(
        event=event,
        kind=kind,
        kept_id=kept_id,
        kept_label=kept_label[:500],
        merged_ids=[record.pk for record in merged],
        merged_labels=labels,
        links_moved=tally.moved,
        links_collapsed=tally.collapsed,
        abstracts_touched=len(tally.abstracts),
        details=details,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=actor_label(actor),
    )
    noun = {MergeRecord.Kind.PERSON: "author"}.get(kind, NOUNS[kind][0])
    summary = f"Merged {noun} " + ", ".join(f"“{label}”" for label in labels) + f" into “{kept_label}”"
    audit_record_each(
        event_id=event.pk,
        actor=actor,
        action=AuditEntry.Action.MERGE,
        changes=(
            (
                abstract_id,
                summary,
                {"kind": kind, "kept": kept_id, "merged": record.merged_ids, "merge_record": record.pk},
            )
            for abstract_id in sorted(
                Abstract.objects.filter(pk__in=tally.abstracts).values_list("pk", flat=True)
            )
        ),
    )
    event_changed(event.pk)
    return record
