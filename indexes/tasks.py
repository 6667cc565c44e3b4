import logging

from celery import shared_task
from django.db import DatabaseError

from conference.models import Event
from indexes.services import (
    RebuildInProgress,
    index_rebuild,
    index_rebuild_failed,
    index_rebuild_request,
    index_reconcile,
)

log = logging.getLogger(__name__)


@shared_task(
    bind=True,
    name="indexes.rebuild",
    autoretry_for=(DatabaseError, RebuildInProgress),
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=8,
)
def rebuild_indexes(self, *, event_id: int) -> dict | None:
    if not Event.objects.filter(pk=event_id).exists():
        log.info("event %s is gone; no indexes to rebuild", event_id)
        return None
    try:
        build = index_rebuild(event_id=event_id)
    except RebuildInProgress:
        log.info("indexes of event %s are being rebuilt elsewhere; trying again shortly", event_id)
        raise
    except Exception as error:
        index_rebuild_failed(event_id=event_id, error=error)
        log.warning(
            "index rebuild of event %s failed (try %s): %s", event_id, self.request.retries + 1, error
        )
        raise
    if build.built:
        log.info(
            "indexes of event %s rebuilt at revision %s: %s authors, %s keywords in %.2f s",
            event_id,
            build.revision,
            build.authors,
            build.keywords,
            build.seconds,
        )
    if build.behind:
        index_rebuild_request(event_id=event_id)
    elif build.built:
        from books.services import book_build_request

        book_build_request(event_id=event_id)  # the book follows the indexes
    return build.as_dict()


@shared_task(name="indexes.reconcile")
def reconcile_indexes() -> list[int]:
    return index_reconcile()
