"""Building the author and keyword indexes, and asking a worker to build them.

``index_rebuild_request`` is called after a change commits; requests for an event
coalesce while one is queued. ``index_rebuild`` computes the entries and swaps them
in with one short transaction, under a lock that keeps two rebuilds of one event
apart; a crash leaves the previous index in place. ``index_reconcile`` finds events whose
indexes are behind (for instance because the broker was down) and asks again.
"""

import logging
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from abstracts.models import Abstract, AbstractKeyword, Authorship
from conference.codes import code_sort_key
from conference.models import Event
from indexes.collation import collation_key, letter_heading
from indexes.models import AuthorIndexEntry, IndexState, KeywordIndexEntry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexBuild:
    event_id: int
    revision: int
    built: bool
    authors: int = 0
    keywords: int = 0
    seconds: float = 0.0
    behind: bool = False

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def _abstract_ref(row: dict) -> dict:
    return {"id": row["abstract_id"], "code": row["abstract__code"], "title": row["abstract__title"]}


def _sorted_refs(refs: dict[int, dict]) -> list[dict]:
    return sorted(
        refs.values(), key=lambda ref: (code_sort_key(ref["code"]) if ref["code"] else "~", ref["id"])
    )


def author_index_entries(event_id: int) -> list[AuthorIndexEntry]:
    """One entry per person of the accepted abstracts, people deduplicated by identity.

    The same ORCID, else the same e-mail, is one person; people known only by name are
    one person per normalised name, joined to the one identified person of that name
    when there is exactly one.
    """
    rows = Authorship.objects.filter(
        abstract__event_id=event_id, abstract__status=Abstract.Status.ACCEPTED
    ).values(
        "person_id",
        "person__first_name",
        "person__last_name",
        "person__email",
        "person__orcid",
        "person__name_key",
        "abstract_id",
        "abstract__code",
        "abstract__title",
    )
    groups: dict[tuple, dict] = {}
    identified_by_name: dict[str, set[tuple]] = defaultdict(set)
    unidentified: list[dict] = []
    for row in rows:
        if row["person__orcid"]:
            key = ("orcid", row["person__orcid"])
        elif row["person__email"]:
            key = ("email", row["person__email"].lower())
        else:
            unidentified.append(row)
            continue
        identified_by_name[row["person__name_key"]].add(key)
        _add_to_group(groups, key, row)
    for row in unidentified:
        candidates = identified_by_name.get(row["person__name_key"], set())
        key = next(iter(candidates)) if len(candidates) == 1 else ("name", row["person__name_key"])
        _add_to_group(groups, key, row)

    entries = [
        AuthorIndexEntry(
            event_id=event_id,
            surname=group["surname"],
            given_names=group["given_names"],
            letter=letter_heading(group["surname"]),
            person_ids=sorted(group["person_ids"]),
            abstracts=_sorted_refs(group["abstracts"]),
        )
        for group in groups.values()
    ]
    entries.sort(key=lambda entry: (collation_key(entry.label), entry.person_ids))
    for position, entry in enumerate(entries, 1):
        entry.position = position
    return entries


def _add_to_group(groups: dict, key: tuple, row: dict) -> None:
    group = groups.setdefault(
        key,
        {
            "surname": row["person__last_name"],
            "given_names": row["person__first_name"],
            "person_ids": set(),
            "abstracts": {},
        },
    )
    group["person_ids"].add(row["person_id"])
    group["abstracts"][row["abstract_id"]] = _abstract_ref(row)


def keyword_index_entries(event_id: int) -> list[KeywordIndexEntry]:
    """One entry per keyword (grouped case-insensitively), labelled with its most common spelling."""
    rows = AbstractKeyword.objects.filter(
        abstract__event_id=event_id, abstract__status=Abstract.Status.ACCEPTED
    ).values("keyword_id", "keyword__label", "spelling", "abstract_id", "abstract__code", "abstract__title")
    spellings: dict[int, Counter] = defaultdict(Counter)
    first_label: dict[int, str] = {}
    refs: dict[int, dict[int, dict]] = defaultdict(dict)
    for row in rows:
        keyword_id = row["keyword_id"]
        first_label[keyword_id] = row["keyword__label"]
        spellings[keyword_id][row["spelling"] or row["keyword__label"]] += 1
        refs[keyword_id][row["abstract_id"]] = _abstract_ref(row)

    entries = []
    for keyword_id, counts in spellings.items():
        # Most common spelling; on a tie, the keyword's own label, then collation order.
        label = min(
            counts,
            key=lambda spelling: (
                -counts[spelling],
                spelling != first_label[keyword_id],
                collation_key(spelling),
            ),
        )
        entries.append(
            KeywordIndexEntry(
                event_id=event_id,
                label=label,
                letter=letter_heading(label),
                keyword_id_ref=keyword_id,
                abstracts=_sorted_refs(refs[keyword_id]),
            )
        )
    entries.sort(key=lambda entry: (collation_key(entry.label), entry.keyword_id_ref))
    for position, entry in enumerate(entries, 1):
        entry.position = position
    return entries


class RebuildInProgress(Exception):
    """Another process is rebuilding this event's indexes right now."""


_LOCK_NAMESPACE = 0x1DE5  # first key of PostgreSQL advisory locks taken here


@contextmanager
def index_build_lock(event_id: int):
    """Held while one process rebuilds an event's indexes; raises RebuildInProgress if taken.

    A PostgreSQL advisory lock, so that nothing else waits on it: edits and rebuild
    requests go on while a build runs. SQLite serialises all writers by itself.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_LOCK_NAMESPACE, event_id])
        if not cursor.fetchone()[0]:
            raise RebuildInProgress(f"the indexes of event {event_id} are being rebuilt by another process")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_NAMESPACE, event_id])


def index_rebuild(*, event_id: int, force: bool = False) -> IndexBuild:
    """Rebuild both indexes of an event if its revision moved on (or ``force``).

    The entries are computed first, then swapped in by one short transaction, so the
    previous index stays readable until the new one is complete and a crash leaves it
    in place. A change that lands while this runs moves the revision on: the result
    says ``behind`` and the task asks for one more rebuild.
    """
    IndexState.objects.get_or_create(event_id=event_id)
    with index_build_lock(event_id):
        # From here on, a new change queues a new rebuild instead of joining this one.
        IndexState.objects.filter(event_id=event_id).update(queued_at=None)
        revision = Event.objects.values_list("revision", flat=True).get(pk=event_id)
        built_revision = IndexState.objects.values_list("built_revision", flat=True).get(event_id=event_id)
        if built_revision == revision and not force:
            return IndexBuild(event_id=event_id, revision=revision, built=False)
        started = time.monotonic()
        authors = author_index_entries(event_id)
        keywords = keyword_index_entries(event_id)
        with transaction.atomic():
            AuthorIndexEntry.objects.filter(event_id=event_id).delete()
            KeywordIndexEntry.objects.filter(event_id=event_id).delete()
            AuthorIndexEntry.objects.bulk_create(authors, batch_size=500)
            KeywordIndexEntry.objects.bulk_create(keywords, batch_size=500)
            seconds = time.monotonic() - started
            IndexState.objects.filter(event_id=event_id).update(
                built_revision=revision,
                built_at=timezone.now(),
                build_seconds=seconds,
                builds=F("builds") + 1,
                last_error="",
                last_error_at=None,
            )
    current = Event.objects.values_list("revision", flat=True).get(pk=event_id)
    return IndexBuild(
        event_id=event_id,
        revision=revision,
        built=True,
        authors=len(authors),
        keywords=len(keywords),
        seconds=seconds,
        behind=current != revision,
    )


def index_rebuild_failed(*, event_id: int, error: BaseException) -> None:
    IndexState.objects.filter(event_id=event_id).update(
        last_error=f"{type(error).__name__}: {error}"[:2000], last_error_at=timezone.now()
    )


def index_rebuild_request(*, event_id: int) -> bool:
    """Queue a rebuild unless one is already queued; True if a task was sent.

    A failure to reach the broker is logged, not raised: the change is already saved,
    and ``index_reconcile`` will ask again.
    """
    from indexes.tasks import rebuild_indexes

    now = timezone.now()
    stale = now - timedelta(seconds=settings.INDEXES_QUEUED_STALE_SECONDS)
    IndexState.objects.get_or_create(event_id=event_id)
    claimed = IndexState.objects.filter(
        Q(queued_at__isnull=True) | Q(queued_at__lt=stale), event_id=event_id
    ).update(queued_at=now)
    if not claimed:
        return False
    try:
        rebuild_indexes.apply_async(
            kwargs={"event_id": event_id}, countdown=settings.INDEXES_COALESCE_SECONDS, retry=False
        )
    except Exception as error:  # any broker failure: the change is saved, reconcile asks again
        IndexState.objects.filter(event_id=event_id, queued_at=now).update(queued_at=None)
        log.warning("could not queue the index rebuild of event %s: %s", event_id, error)
        return False
    return True


def index_reconcile() -> list[int]:
    """Ask for a rebuild of every event whose indexes are behind its revision."""
    behind = Event.objects.filter(
        Q(index_state__isnull=True)
        | Q(index_state__built_revision__isnull=True)
        | ~Q(index_state__built_revision=F("revision"))
    ).values_list("pk", flat=True)
    return [event_id for event_id in behind if index_rebuild_request(event_id=event_id)]
