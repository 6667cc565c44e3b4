"""Writing the audit trail. Services call these inside their own transaction, so an entry exists
exactly when its change does."""

from collections.abc import Iterable

from audit.models import AuditEntry


def actor_label(actor) -> str:
    if actor is None:
        return "system"
    return getattr(actor, "email", "") or str(actor)


def audit_record(
    *,
    event_id: int,
    actor,
    action: str,
    summary: str,
    abstract_id: int | None = None,
    details: dict | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        event_id=event_id,
        abstract_id=abstract_id,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=actor_label(actor),
        action=action,
        summary=summary[:500],
        details=details or {},
    )


def audit_record_each(*, event_id: int, actor, action: str, changes: Iterable[tuple[int, str, dict]]) -> int:
    """One entry per abstract: ``changes`` yields (abstract id, summary, details). One query."""
    label = actor_label(actor)
    entries = [
        AuditEntry(
            event_id=event_id,
            abstract_id=abstract_id,
            actor=actor if getattr(actor, "pk", None) else None,
            actor_label=label,
            action=action,
            summary=summary[:500],
            details=details,
        )
        for abstract_id, summary, details in changes
    ]
    AuditEntry.objects.bulk_create(entries, batch_size=500)
    return len(entries)
