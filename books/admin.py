from django.contrib import admin

from books.models import BookBuild
from conference.admin_scope import EventScopedAdmin, event_only


@admin.register(BookBuild)
class BookBuildAdmin(EventScopedAdmin, admin.ModelAdmin):
    """Read-only history; builds are asked for on the event's book page or by changes."""

    list_display = ["event", "pk", "status", "revision", "requested_at", "seconds", "pages", "size"]
    list_filter = ["status", event_only("event")]
    read_only = True
    exclude = ["plan", "page_numbers"]
