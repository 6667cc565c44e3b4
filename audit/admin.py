from django.contrib import admin

from audit.models import AuditEntry
from conference.admin_scope import EventScopedAdmin, event_only


@admin.register(AuditEntry)
class AuditEntryAdmin(EventScopedAdmin, admin.ModelAdmin):
    """Read-only: the trail is a record, not something to edit."""

    list_display = ["at", "event", "actor_label", "action", "summary"]
    read_only = True
    list_filter = ["action", event_only("event")]
    search_fields = ["summary", "actor_label"]
    date_hierarchy = "at"
