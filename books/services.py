"""Building an event's book of abstracts.

A build reads everything the book prints once (``plan_book``: the abstracts cut into
slices of HTML, the contents and both indexes), lays out the slices that are not stored
from an earlier build (in parallel: a local process pool, or Celery tasks that spread
over every worker), then ``finish_book`` takes the page numbers from the laid-out slices,
lays out the indexes, the contents and the running headers with those numbers, and
assembles the PDF. Nothing is laid out twice with ``target-counter``: page numbers are
read off the finished layout, so they are right by construction.

Builds are records (``BookBuild``). Requests coalesce into one queued build per event;
one build runs per event at a time; the last good PDF stays where it is until a new one
has been written completely.
"""

import errno
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from multiprocessing import get_context
from pathlib import Path

from django.conf import settings
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from abstracts.selectors import PrintedAbstract, programme
from books.assembly import Layout, OutlineEntry, assemble, contents_stamps, even, index_pages
from books.models import BookBuild
from books.rendering import (
    Part,
    cyclic_gc_paused,
    part_key,
    ready,
    render_part,
    render_part_forked,
    stored_part,
    style_fingerprint,
    warm_up,
)
from books.selectors import latest_good_build
from conference.models import Event
from indexes.models import AuthorIndexEntry, IndexState, KeywordIndexEntry
from indexes.services import author_index_entries, keyword_index_entries

log = logging.getLogger(__name__)


class BookError(Exception):
    """The book cannot be assembled as planned (for instance a page reference that cannot be resolved)."""


def static_dir() -> Path:
    return Path(settings.BASE_DIR) / "static" / "book"


def parts_dir(event_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "books" / "parts" / str(event_id)


# --- Planning: what the book prints, read once ------------------------------------------------


@dataclass(frozen=True)
class Slice:
    key: str
    html: str
    abstract_ids: tuple[int, ...]


@dataclass
class BookPlan:
    """Everything a build prints, fixed when it starts; stored on the build as JSON."""

    event_id: int
    revision: int
    fingerprint: str
    cover: dict
    layout: str
    slices: list[Slice]
    front: Slice  # cover and contents, laid out with room for the page numbers set in later
    contents: list[dict]  # [{title, lines: [{id, code, title}]}]
    authors: list[dict]  # [{letter, label, person_ids, abstract_ids}]
    keywords: list[dict]  # [{letter, label, keyword_id, abstract_ids}]

    def as_json(self) -> dict:
        return {
            "event_id": self.event_id,
            "revision": self.revision,
            "fingerprint": self.fingerprint,
            "cover": self.cover,
            "layout": self.layout,
            "slices": [{"key": piece.key, "abstract_ids": list(piece.abstract_ids)} for piece in self.slices],
            "front": self.front.key,
            "contents": self.contents,
            "authors": self.authors,
            "keywords": self.keywords,
        }

    @classmethod
    def from_json(cls, data: dict) -> "BookPlan":
        slices = [Slice(item["key"], "", tuple(item["abstract_ids"])) for item in data["slices"]]
        return cls(**{**data, "slices": slices, "front": Slice(data["front"], "", ())})

    @property
    def abstract_count(self) -> int:
        return sum(len(piece.abstract_ids) for piece in self.slices)


@cyclic_gc_paused()
def plan_book(
    event: Event, *, slice_size: int | None = None, on_slice: Callable[[Slice], None] | None = None
) -> BookPlan:
    """Read the event's accepted abstracts and both indexes, and cut the body into slices.

    ``on_slice`` is called with each slice as soon as its HTML is ready, so that laying it
    out can start while the rest is planned.
    """
    slice_size = slice_size or settings.BOOK_SLICE_SIZE
    revision = Event.objects.values_list("revision", flat=True).get(pk=event.pk)
    groups = programme(event)
    fingerprint = style_fingerprint(static_dir())

    contents = [
        {"title": group.title, "lines": [_contents_line(abstract) for abstract in group.abstracts]}
        for group in groups
    ]
    front_html = render_to_string(
        "book/pdf_front.html",
        {
            "event": event,
            "logo_src": f"media/{event.logo.name}" if event.logo else "",
            "contents": [
                {"title": session["title"], "lines": [_ContentsLine(line) for line in session["lines"]]}
                for session in contents
            ],
            "back_matter": [("Author index", "author-index"), ("Keyword index", "keyword-index")],
            "pdf": True,
        },
    )
    front = Slice(part_key("front", front_html, fingerprint), front_html, ())
    if on_slice is not None:
        on_slice(front)  # the longest single part: started first
    slices = []
    for group in groups:
        for start in range(0, len(group.abstracts), slice_size):
            chunk = group.abstracts[start : start + slice_size]
            items = [
                {"abstract": abstract, "session_heading": group.title if start + n == 0 else ""}
                for n, abstract in enumerate(chunk)
            ]
            html = render_to_string("book/pdf_body.html", {"items": items, "layout": event.book_layout})
            slices.append(
                Slice(part_key("body", html, fingerprint), html, tuple(abstract.pk for abstract in chunk))
            )
            if on_slice is not None:
                on_slice(slices[-1])
    authors = author_index_entries(event.pk)
    keywords = keyword_index_entries(event.pk)
    return BookPlan(
        event_id=event.pk,
        revision=revision,
        fingerprint=fingerprint,
        cover={
            "name": event.name,
            "short_name": event.short_name,
            "organisation": event.organisation,
            "book_title": event.book_title,
            "venue": event.venue,
            "start_date": event.start_date.isoformat(),
            "end_date": event.end_date.isoformat() if event.end_date else None,
            "logo": event.logo.name if event.logo else "",
        },
        layout=event.book_layout,
        slices=slices,
        front=front,
        contents=contents,
        authors=[
            {
                "letter": entry.letter,
                "label": entry.label,
                "person_ids": list(entry.person_ids),
                "abstract_ids": [ref["id"] for ref in entry.abstracts],
            }
            for entry in authors
        ],
        keywords=[
            {
                "letter": entry.letter,
                "label": entry.label,
                "keyword_id": entry.keyword_id_ref,
                "abstract_ids": [ref["id"] for ref in entry.abstracts],
            }
            for entry in keywords
        ],
    )


def _contents_line(abstract: PrintedAbstract) -> dict:
    return {"id": abstract.pk, "code": abstract.code, "title": abstract.title}


# --- Finishing: page numbers, indexes, contents, assembly -------------------------------------


@dataclass(frozen=True)
class FinishedBook:
    path: Path
    pages: int
    page_numbers: dict[int, int]  # abstract id → page it starts on
    anchor_pages: dict[str, int]  # every anchor of the body → its page number
    parts_used: frozenset[str]
    refused_urls: tuple[str, ...]


class _ContentsLine:
    """A contents line as the partial reads it (``line.abstract.pk`` …)."""

    def __init__(self, line: dict) -> None:
        self.abstract = _AbstractRef(line["id"], line["code"], line["title"])


@dataclass(frozen=True)
class _AbstractRef:
    pk: int
    code: str
    title: str


@dataclass(frozen=True)
class _IndexEntry:
    label: str
    pages: list[int]


@dataclass(frozen=True)
class _IndexGroup:
    letter: str
    entries: list[_IndexEntry]


def body_page_numbers(parts: list[Part]) -> dict[str, int]:
    """Every anchor of the body, mapped to its page number (the body starts at page 1)."""
    numbers: dict[str, int] = {}
    first = 1
    for part in parts:
        for anchor, index in part.anchors.items():
            numbers.setdefault(anchor, first + index)
        first += part.pages
    return numbers


def _index_groups(entries: list[dict], pages_of: Callable[[dict, dict], set[int]], numbers: dict) -> list:
    groups: list[_IndexGroup] = []
    for entry in entries:
        pages = pages_of(entry, numbers)
        if not pages:
            raise BookError(f"no page found for index entry {entry['label']!r}")
        if not groups or groups[-1].letter != entry["letter"]:
            groups.append(_IndexGroup(entry["letter"], []))
        groups[-1].entries.append(_IndexEntry(entry["label"], sorted(pages)))
    return groups


def _split_at_letter(groups: list) -> list[list]:
    """Two runs of letter groups with about as many entries each."""
    total = sum(len(group.entries) for group in groups)
    counted = 0
    for position, group in enumerate(groups):
        counted += len(group.entries)
        if counted >= total / 2:
            return (
                [groups[: position + 1], groups[position + 1 :]] if position + 1 < len(groups) else [groups]
            )
    return [groups]


def _author_pages(entry: dict, numbers: dict[str, int]) -> set[int]:
    """Pages on which this person is printed: their own anchor in a long list, else the authors' line."""
    pages = set()
    for abstract_id in entry["abstract_ids"]:
        own = [numbers.get(f"abstract-{abstract_id}-author-{person_id}") for person_id in entry["person_ids"]]
        own = [page for page in own if page is not None]
        line = numbers.get(f"abstract-{abstract_id}-authors")
        pages.update(own or ([line] if line is not None else []))
    return pages


def _keyword_pages(entry: dict, numbers: dict[str, int]) -> set[int]:
    """Pages of the keyword lines (kept whole on one page) of the abstracts with this keyword."""
    anchors = (f"abstract-{abstract_id}-keywords" for abstract_id in entry["abstract_ids"])
    return {numbers[anchor] for anchor in anchors if anchor in numbers}


def _cover_event(cover: dict) -> Event:
    """An unsaved Event carrying what the cover prints, as the plan recorded it."""
    return Event(
        name=cover["name"],
        short_name=cover["short_name"],
        organisation=cover["organisation"],
        book_title=cover["book_title"],
        venue=cover["venue"],
        start_date=date.fromisoformat(cover["start_date"]),
        end_date=date.fromisoformat(cover["end_date"]) if cover["end_date"] else None,
    )


Renderer = Callable[[list[tuple[str, str]]], dict[str, Part]]


@cyclic_gc_paused()
def finish_book(plan: BookPlan, body: list[Part], *, render: Renderer, out_path: Path) -> FinishedBook:
    """Lay out the indexes and the running header with the body's page numbers; assemble.

    The contents were laid out while the body was, with room for each page number; the
    numbers are set in by the assembler once every page is known.
    """
    numbers = body_page_numbers(body)
    for line in (line for session in plan.contents for line in session["lines"]):
        if f"abstract-{line['id']}" not in numbers:
            raise BookError(f"abstract {line['id']} was not found in the laid-out body")
    body_pages = even(sum(part.pages for part in body))
    fingerprint = plan.fingerprint
    event = _cover_event(plan.cover)

    def index_html(groups: list, index_id: str, index_title: str) -> str:
        context = {
            "groups": groups,
            "index_id": index_id,
            "index_title": index_title,
            "pdf": True,
            "bookmark_anchors": True,
        }
        return render_to_string("book/pdf_index.html", context)

    # A long author index is laid out in two halves side by side, the second from a new page.
    author_groups = _index_groups(plan.authors, _author_pages, numbers)
    halves = (
        _split_at_letter(author_groups) if len(plan.authors) > settings.BOOK_INDEX_SPLIT else [author_groups]
    )
    jobs = {
        f"author_index_{n}": index_html(
            groups, "author-index" if n == 0 else "", "Author index" if n == 0 else ""
        )
        for n, groups in enumerate(halves)
    }
    jobs["keyword_index"] = index_html(
        _index_groups(plan.keywords, _keyword_pages, numbers), "keyword-index", "Keyword index"
    )
    jobs["header"] = render_to_string("book/pdf_running_header.html", {"header": event.name})
    keys = {name: part_key(name.replace("_", "-"), html, fingerprint) for name, html in jobs.items()}
    laid_out = render([(keys[name], html) for name, html in jobs.items()])
    parts = {name: laid_out[key] for name, key in keys.items()}
    author_parts = [parts[f"author_index_{n}"] for n in range(len(halves))]
    parts["front"] = stored_part(parts_dir(plan.event_id), plan.front.key)
    if parts["front"] is None:
        raise BookError("the contents are missing from storage; the build must start again")

    layout = Layout(
        front_pages=even(parts["front"].pages),
        body_pages=body_pages,
        author_pages=even(sum(index_pages(part) for part in author_parts)),
        keyword_pages=index_pages(parts["keyword_index"]),
    )
    numbers["author-index"] = layout.author_start
    numbers["keyword-index"] = layout.keyword_start
    # The contents were laid out before any page number was known, with room for each.
    stamps = contents_stamps(parts["front"], numbers)
    if len(stamps) != plan.abstract_count + 2:
        raise BookError(
            f"the contents have room for {len(stamps)} page numbers, not {plan.abstract_count + 2}"
        )

    outline = [
        OutlineEntry("Contents", 0),
        *(
            OutlineEntry(
                session["title"] or "Abstracts",
                numbers[f"abstract-{session['lines'][0]['id']}"],
                tuple(
                    OutlineEntry(f"{line['code']} {line['title']}".strip(), numbers[f"abstract-{line['id']}"])
                    for line in session["lines"]
                ),
            )
            for session in plan.contents
            if session["lines"]
        ),
        OutlineEntry("Author index", layout.author_start),
        OutlineEntry("Keyword index", layout.keyword_start),
    ]
    pages = assemble(
        out_path=out_path,
        cache_dir=parts_dir(plan.event_id),
        front=parts["front"],
        body=body,
        author_index=author_parts,
        keyword_index=parts["keyword_index"],
        header=parts["header"],
        layout=layout,
        stamps=stamps,
        anchor_pages=numbers,
        outline=outline,
        title=f"{event.name}: {event.book_title}",
        font_dir=static_dir() / "fonts",
    )
    used = {part.key for part in [*body, *parts.values()]}
    refused = tuple(url for part in [*body, *parts.values()] for url in part.refused)
    return FinishedBook(
        path=out_path,
        pages=pages,
        page_numbers={
            line["id"]: numbers[f"abstract-{line['id']}"]
            for session in plan.contents
            for line in session["lines"]
        },
        parts_used=frozenset(used),
        refused_urls=refused,
        anchor_pages=numbers,
    )


# --- Laying out parts: here, in a process pool, or in Celery workers --------------------------


def render_here(event_id: int) -> Renderer:
    def render(jobs: list[tuple[str, str]]) -> dict[str, Part]:
        return {
            key: render_part(
                key=key, html=html, cache_dir=parts_dir(event_id), static_dir=static_dir(), media_dir=_media()
            )
            for key, html in jobs
        }

    return render


class ProcessPoolRenderer:
    """Lays out parts in ``processes`` worker processes on this machine (the command and benchmarks).

    Each pool process warms up once (WeasyPrint imported, styles parsed, a sample laid out) and
    then lays out each part in a child forked from itself, which starts warm and exits without
    clean-up (``render_part_forked``).
    """

    def __init__(self, event_id: int, processes: int) -> None:
        self.event_id = event_id
        self.pool = ProcessPoolExecutor(
            max_workers=processes,
            mp_context=get_context("spawn"),
            initializer=warm_up,
            initargs=(static_dir(),),
        )
        # Start the processes (and their warm-up) while the build reads the database.
        for _ in range(processes):
            self.pool.submit(ready)

    def submit(self, key: str, html: str) -> Future:
        return self.pool.submit(
            render_part_forked,
            key=key,
            html=html,
            cache_dir=parts_dir(self.event_id),
            static_dir=static_dir(),
            media_dir=_media(),
        )

    def __call__(self, jobs: list[tuple[str, str]]) -> dict[str, Part]:
        if len(jobs) <= 1:  # not worth a trip to another process
            return render_here(self.event_id)(jobs)
        futures = {key: self.submit(key, html) for key, html in jobs}
        return {key: future.result() for key, future in futures.items()}

    def close(self) -> None:
        # The book is stored by now; the processes exit (about half a second) without holding it up.
        self.pool.shutdown(wait=False, cancel_futures=True)


def _media() -> Path:
    return Path(settings.MEDIA_ROOT)


def missing_slices(plan: BookPlan) -> list[Slice]:
    """The slices of the body, and the contents, that are not laid out and stored yet."""
    cache = parts_dir(plan.event_id)
    return [piece for piece in [*plan.slices, plan.front] if stored_part(cache, piece.key) is None]


def stored_body(plan: BookPlan) -> list[Part]:
    parts = [stored_part(parts_dir(plan.event_id), piece.key) for piece in plan.slices]
    if any(part is None for part in parts):
        raise BookError("a slice of the body is missing from storage; the build must start again")
    return parts


# --- Build records: requests, runs, results ---------------------------------------------------


def book_build_request(*, event_id: int, forced: bool = False) -> BookBuild | None:
    """Queue a build unless one is already queued (then that one will do); returns the queued build.

    The task is sent after the commit; if the broker cannot be reached the build stays
    queued and ``book_reconcile`` sends it again.
    """
    try:
        with transaction.atomic():
            build = BookBuild.objects.create(event_id=event_id, forced=forced)
    except IntegrityError:
        queued = BookBuild.objects.filter(event_id=event_id, status=BookBuild.Status.QUEUED).first()
        if queued is not None and forced and not queued.forced:
            BookBuild.objects.filter(pk=queued.pk).update(forced=True)
        return queued
    transaction.on_commit(lambda: _send_build(build.pk))
    return build


def _send_build(build_id: int) -> None:
    from books.tasks import build_book

    try:
        build_book.apply_async(
            kwargs={"build_id": build_id}, countdown=settings.BOOK_COALESCE_SECONDS, retry=False
        )
    except Exception as error:  # broker down: the build stays queued, reconcile sends it again
        log.warning("could not queue book build %s: %s", build_id, error)


class BuildBusy(Exception):
    """Another build of the same event is running; this one waits its turn."""


def book_build_claim(build_id: int) -> BookBuild | None:
    """Move a queued build to running; None if it is not queued (already taken or finished)."""
    try:
        with transaction.atomic():
            claimed = BookBuild.objects.filter(pk=build_id, status=BookBuild.Status.QUEUED).update(
                status=BookBuild.Status.RUNNING,
                phase=BookBuild.Phase.PLANNING,
                started_at=timezone.now(),
                heartbeat_at=timezone.now(),
            )
    except IntegrityError as error:
        raise BuildBusy(f"another book build of this event is running (build {build_id} waits)") from error
    if not claimed:
        return None
    return BookBuild.objects.select_related("event").get(pk=build_id)


def book_build_plan(
    build: BookBuild, *, on_slice: Callable[[Slice], None] | None = None
) -> tuple[BookPlan, list[Slice]] | None:
    """Plan a claimed build; returns the plan and the slices still to lay out, or None if skipped."""
    event = build.event
    last = latest_good_build(event)
    if not build.forced and last is not None and last.revision == event.revision:
        _finish_record(build, status=BookBuild.Status.SKIPPED, revision=event.revision)
        return None
    plan = plan_book(event, on_slice=on_slice)
    missing = missing_slices(plan)
    BookBuild.objects.filter(pk=build.pk).update(
        revision=plan.revision,
        plan=plan.as_json(),
        slices_total=len(plan.slices) + 1,  # and the contents
        slices_to_render=len(missing),
        phase=BookBuild.Phase.RENDERING,
        heartbeat_at=timezone.now(),
    )
    return plan, missing


def book_build_slice_done(build_id: int) -> bool:
    """Count one laid-out slice; True for the caller that should now assemble (exactly one does)."""
    BookBuild.objects.filter(pk=build_id).update(
        slices_rendered=F("slices_rendered") + 1, heartbeat_at=timezone.now()
    )
    return book_build_claim_assembly(build_id)


def book_build_claim_assembly(build_id: int) -> bool:
    return bool(
        BookBuild.objects.filter(
            pk=build_id,
            status=BookBuild.Status.RUNNING,
            assembly_claimed=False,
            slices_rendered__gte=F("slices_to_render"),
        ).update(assembly_claimed=True, phase=BookBuild.Phase.ASSEMBLING, heartbeat_at=timezone.now())
    )


def book_build_finish(build_id: int, *, render: Renderer) -> BookBuild:
    """Assemble a build whose slices are all laid out, store its PDF and record the result."""
    build = BookBuild.objects.select_related("event").get(pk=build_id)
    plan = BookPlan.from_json(build.plan)
    body = stored_body(plan)
    event = build.event
    work = Path(settings.MEDIA_ROOT) / "books" / "work"
    work.mkdir(parents=True, exist_ok=True)
    out_path = work / f"build-{build.pk}.pdf"
    try:
        finished = finish_book(plan, body, render=render, out_path=out_path)
        with out_path.open("rb") as file:
            build.pdf.save(f"{event.slug}-r{plan.revision}-{build.pk}.pdf", File(file), save=False)
    finally:
        out_path.unlink(missing_ok=True)
    _finish_record(
        build,
        status=BookBuild.Status.SUCCEEDED,
        revision=plan.revision,
        pages=finished.pages,
        size=build.pdf.size,
        pdf=build.pdf.name,
        page_numbers={str(key): value for key, value in finished.page_numbers.items()},
    )
    if finished.refused_urls:
        log.warning("book build %s: refused %s URLs from the content", build.pk, len(finished.refused_urls))
    _record_index_pages(event.pk, plan.revision, finished.anchor_pages)
    _prune(event, keep_parts=finished.parts_used)
    build.refresh_from_db()
    return build


# A disk that is full, over quota or read-only, as the operating system says it.
_STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO}


def build_failure_message(error: BaseException | str) -> str:
    """What went wrong, for the organisers reading the builds page: a sentence where we know one."""
    if isinstance(error, str):
        return error
    cause = error
    while cause is not None and not (isinstance(cause, OSError) and cause.errno in _STORAGE_ERRNOS):
        cause = cause.__cause__ or cause.__context__
    if cause is None:
        return f"{type(error).__name__}: {error}"
    where = cause.filename or Path(settings.MEDIA_ROOT) / "books"
    return f"Could not write the book file: {cause.strerror or os.strerror(cause.errno)} ({where})."


def book_build_failed(build_id: int, error: BaseException | str) -> None:
    message = build_failure_message(error)
    build = BookBuild.objects.get(pk=build_id)
    if build.status in {BookBuild.Status.SUCCEEDED, BookBuild.Status.SKIPPED}:
        return
    _finish_record(build, status=BookBuild.Status.FAILED, error=message[:4000])


def _finish_record(build: BookBuild, *, status: str, **fields) -> None:
    now = timezone.now()
    started = build.started_at or now
    BookBuild.objects.filter(pk=build.pk).update(
        status=status,
        phase=BookBuild.Phase.DONE,
        finished_at=now,
        seconds=(now - started).total_seconds(),
        heartbeat_at=now,
        **fields,
    )


def _record_index_pages(event_id: int, revision: int, numbers: dict[str, int]) -> None:
    """Give the stored index entries the book's page numbers, if they are of the same revision."""
    if not IndexState.objects.filter(event_id=event_id, built_revision=revision).exists():
        return
    authors = list(AuthorIndexEntry.objects.filter(event_id=event_id))
    for entry in authors:
        abstract_ids = [ref["id"] for ref in entry.abstracts]
        entry.pages = sorted(
            _author_pages({"abstract_ids": abstract_ids, "person_ids": entry.person_ids}, numbers)
        )
    AuthorIndexEntry.objects.bulk_update(authors, ["pages"], batch_size=500)
    keywords = list(KeywordIndexEntry.objects.filter(event_id=event_id))
    for entry in keywords:
        entry.pages = sorted(
            _keyword_pages({"abstract_ids": [ref["id"] for ref in entry.abstracts]}, numbers)
        )
    KeywordIndexEntry.objects.bulk_update(keywords, ["pages"], batch_size=500)


def _prune(event: Event, *, keep_parts: frozenset[str]) -> None:
    """Keep the last few good PDFs and only the parts the newest build used."""
    good = list(
        event.book_builds.filter(status=BookBuild.Status.SUCCEEDED)
        .exclude(pdf="")
        .order_by("-finished_at", "-pk")
    )
    for old in good[settings.BOOK_KEEP_PDFS :]:
        old.pdf.delete(save=False)
        BookBuild.objects.filter(pk=old.pk).update(pdf="")
    cache = parts_dir(event.pk)
    if cache.is_dir():
        for path in cache.iterdir():
            if path.name.split(".")[0] not in keep_parts and not path.name.startswith("."):
                path.unlink(missing_ok=True)


# --- Building now (the command, tests, benchmarks) --------------------------------------------


@dataclass(frozen=True)
class BuildReport:
    build: BookBuild
    seconds: float
    slices: int
    slices_rendered: int
    phases: dict[str, float] = field(default_factory=dict)  # seconds spent planning, laying out, finishing


def build_book_now(event: Event, *, processes: int | None = None, forced: bool = True) -> BuildReport:
    """Build the book synchronously in this process (and a pool of ``processes``), recorded as a build."""
    started = time.monotonic()
    processes = processes or settings.BOOK_PROCESSES
    # A build already queued for this event (by a change) is the one this call runs.
    try:
        with transaction.atomic():
            build = BookBuild.objects.create(event=event, forced=forced)
    except IntegrityError:
        build = BookBuild.objects.get(event=event, status=BookBuild.Status.QUEUED)
        BookBuild.objects.filter(pk=build.pk).update(forced=forced or build.forced)
    try:
        claimed = book_build_claim(build.pk)
    except BuildBusy as error:
        raise BookError("another build of this book is running; try again when it has finished") from error
    if claimed is None:
        raise BookError("the build was taken by a worker; see the event's book page for its progress")
    renderer = ProcessPoolRenderer(event.pk, processes) if processes > 1 else None
    render = renderer or render_here(event.pk)
    try:
        started_early: dict[str, Future] = {}

        def start_early(piece: Slice) -> None:
            if renderer is not None and stored_part(parts_dir(event.pk), piece.key) is None:
                started_early[piece.key] = renderer.submit(piece.key, piece.html)

        planned = book_build_plan(claimed, on_slice=start_early)
        if planned is None:
            for future in started_early.values():
                future.cancel()
            build.refresh_from_db()
            return BuildReport(build, time.monotonic() - started, 0, 0)
        plan, missing = planned
        phases = {"plan": time.monotonic() - started}
        for future in started_early.values():
            future.result()
        render([(piece.key, piece.html) for piece in missing if piece.key not in started_early])
        laid_out = len(started_early.keys() | {piece.key for piece in missing})
        BookBuild.objects.filter(pk=build.pk).update(slices_to_render=laid_out, slices_rendered=laid_out)
        phases["slices"] = time.monotonic() - started - phases["plan"]
        book_build_claim_assembly(build.pk)
        finished = book_build_finish(build.pk, render=render)
        phases["finish"] = time.monotonic() - started - phases["plan"] - phases["slices"]
    except BaseException as error:
        book_build_failed(build.pk, error)
        raise
    finally:
        if renderer is not None:
            renderer.close()
    return BuildReport(finished, time.monotonic() - started, len(plan.slices) + 1, laid_out, phases)


# --- Keeping up: stale and lost builds --------------------------------------------------------


def book_reconcile() -> list[int]:
    """Fail builds whose worker went silent, resend lost queued builds, and queue books that are behind."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.BOOK_STALE_SECONDS)
    requested = []
    for build in BookBuild.objects.filter(status=BookBuild.Status.RUNNING, heartbeat_at__lt=stale):
        book_build_failed(
            build.pk, "the worker stopped answering during this build (it was restarted or killed)"
        )
        # The slices it laid out are stored: the new build starts from them.
        if book_build_request(event_id=build.event_id):
            requested.append(build.event_id)
    for build in BookBuild.objects.filter(status=BookBuild.Status.QUEUED, requested_at__lt=stale):
        _send_build(build.pk)
    behind = Event.objects.filter(index_state__built_revision=F("revision")).exclude(
        Q(book_builds__status__in=[BookBuild.Status.QUEUED, BookBuild.Status.RUNNING])
    )
    for event in behind.distinct():
        last = latest_good_build(event)
        if last is None or last.revision != event.revision:
            failed_at_this_revision = event.book_builds.filter(
                status=BookBuild.Status.FAILED, revision=event.revision, finished_at__gt=stale
            ).exists()
            if not failed_at_this_revision and book_build_request(event_id=event.pk):
                requested.append(event.pk)
    return requested
