"""Book builds on Celery: one task plans, one task per slice lays out, the last slice assembles.

The slices of one build spread over every worker that listens to the queue, on any
machine that shares the media storage; the database counts finished slices, so no result
backend and no chord are needed.
"""

import logging

from celery import shared_task
from django.db import DatabaseError

from books.models import BookBuild
from books.services import (
    BuildBusy,
    book_build_claim,
    book_build_claim_assembly,
    book_build_failed,
    book_build_finish,
    book_build_plan,
    book_build_slice_done,
    book_reconcile,
    build_failure_message,
    parts_dir,
    render_here,
)

log = logging.getLogger(__name__)


@shared_task(
    name="books.build",
    autoretry_for=(BuildBusy, DatabaseError),
    retry_backoff=5,
    retry_backoff_max=60,
    max_retries=30,
)
def build_book(*, build_id: int) -> str:
    build = book_build_claim(build_id)
    if build is None:
        return "not queued"
    try:
        planned = book_build_plan(build)
        if planned is None:
            return "skipped: nothing changed"
        _plan, missing = planned
        if not missing:
            if book_build_claim_assembly(build_id):
                book_build_finish(build_id, render=render_here(build.event_id))
            return "assembled from stored slices"
        cache = parts_dir(build.event_id)
        cache.mkdir(parents=True, exist_ok=True)
        for piece in missing:
            (cache / f"{piece.key}.html").write_text(piece.html, encoding="utf-8")
        for piece in missing:
            render_book_slice.delay(build_id=build_id, key=piece.key)
    except Exception as error:
        book_build_failed(build_id, error)
        log.warning("book build %s failed: %s", build_id, build_failure_message(error))
        raise
    return f"{len(missing)} slices sent"


@shared_task(name="books.render_slice")
def render_book_slice(*, build_id: int, key: str) -> str:
    build = BookBuild.objects.filter(pk=build_id).only("status", "event_id").first()
    if build is None or build.status != BookBuild.Status.RUNNING:
        return "build no longer running"
    source = parts_dir(build.event_id) / f"{key}.html"
    try:
        if source.exists():
            render_here(build.event_id)([(key, source.read_text(encoding="utf-8"))])
            source.unlink(missing_ok=True)
        if book_build_slice_done(build_id):
            book_build_finish(build_id, render=render_here(build.event_id))
            return "slice laid out; book assembled"
    except Exception as error:
        book_build_failed(build_id, error)
        log.warning("book build %s failed in slice %s: %s", build_id, key, build_failure_message(error))
        raise
    return "slice laid out"


@shared_task(name="books.reconcile")
def reconcile_books() -> list[int]:
    return book_reconcile()
