"""Writes to abstracts. Each service that changes what the book prints marks the event changed."""

from django.db import transaction

from abstracts.models import Abstract
from conference.changes import event_changed


def abstract_set_status(*, abstract_id: int, status: str) -> Abstract:
    """Move an abstract to ``status`` (accepted, rejected, withdrawn …)."""
    if status not in Abstract.Status.values:
        raise ValueError(f"{status!r} is not a status ({', '.join(Abstract.Status.values)})")
    with transaction.atomic():
        abstract = Abstract.objects.select_for_update().get(pk=abstract_id)
        if abstract.status != status:
            abstract.status = status
            abstract.save(update_fields=["status", "updated_at"])
            event_changed(abstract.event_id)
    return abstract
