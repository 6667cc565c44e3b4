from dataclasses import dataclass
from itertools import groupby

from django.db.models import QuerySet

from conference.models import Event
from indexes.models import AuthorIndexEntry, IndexState, KeywordIndexEntry


@dataclass(frozen=True)
class LetterGroup:
    letter: str
    entries: list


def _by_letter(entries: QuerySet) -> list[LetterGroup]:
    return [LetterGroup(letter, list(group)) for letter, group in groupby(entries, key=lambda e: e.letter)]


def author_index(event: Event) -> list[LetterGroup]:
    return _by_letter(AuthorIndexEntry.objects.filter(event=event).order_by("position"))


def keyword_index(event: Event) -> list[LetterGroup]:
    return _by_letter(KeywordIndexEntry.objects.filter(event=event).order_by("position"))


def index_state(event: Event) -> IndexState | None:
    return IndexState.objects.filter(event=event).first()
