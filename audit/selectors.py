from django.db.models import QuerySet

from audit.models import AuditEntry


def abstract_history(abstract_id: int) -> QuerySet[AuditEntry]:
    """What happened to one abstract, newest first."""
    return AuditEntry.objects.filter(abstract_id=abstract_id).order_by("-at", "-pk")


def event_history(event_id: int) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(event_id=event_id).select_related("abstract").order_by("-at", "-pk")
