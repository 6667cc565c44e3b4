"""The one change signal: whatever alters what the book would print marks its event here.

Services call ``event_changed`` inside their transaction. The revision counter goes up
with the data, atomically; after the commit (never before, never for a rolled-back
change) the indexes are asked to catch up. If asking fails (broker down), nothing is
lost: the revision stays ahead of the indexes and the reconcile task finds it.
"""

from django.db import transaction
from django.db.models import F

from conference.models import Event


def event_changed(event_id: int) -> None:
    """Record a change to the event's printable content and request a rebuild after commit."""
    Event.objects.filter(pk=event_id).update(revision=F("revision") + 1)

    def request_rebuild() -> None:
        from indexes.services import index_rebuild_request

        index_rebuild_request(event_id=event_id)

    transaction.on_commit(request_rebuild)
