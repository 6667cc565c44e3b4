"""Read-only: letters are written and sent from the letters page; the admin shows the record,
only of the events the user organises (a superuser sees all)."""

from django.contrib import admin

from conference.admin_scope import EventScopedAdmin, event_only
from decisions.models import Letter, LetterTemplate


@admin.register(LetterTemplate)
class LetterTemplateAdmin(EventScopedAdmin, admin.ModelAdmin):
    read_only = True
    list_display = ["event", "decision", "subject", "updated_at", "updated_by"]
    list_filter = ["decision", event_only("event")]
    list_select_related = ["event", "updated_by"]


@admin.register(Letter)
class LetterAdmin(EventScopedAdmin, admin.ModelAdmin):
    read_only = True
    list_display = [
        "event",
        "abstract",
        "decision",
        "recipient",
        "state",
        "attempts",
        "released_at",
        "sent_at",
    ]
    list_filter = ["state", "decision", event_only("event")]
    search_fields = ["recipient", "subject", "abstract__title", "abstract__code"]
    date_hierarchy = "created_at"
    list_select_related = ["event", "abstract"]
