from django.contrib import admin

from books.models import BookBuild


@admin.register(BookBuild)
class BookBuildAdmin(admin.ModelAdmin):
    """Read-only history; builds are asked for on the event's book page or by changes."""

    list_display = ["event", "pk", "status", "revision", "requested_at", "seconds", "pages", "size"]
    list_filter = ["status", "event"]
    exclude = ["plan", "page_numbers"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
