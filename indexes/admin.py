from django.contrib import admin

from conference.admin_scope import EventScopedAdmin
from indexes.models import IndexState


@admin.register(IndexState)
class IndexStateAdmin(EventScopedAdmin, admin.ModelAdmin):
    read_only = True
    list_display = [
        "event",
        "built_revision",
        "event_revision",
        "is_current",
        "built_at",
        "build_seconds",
        "builds",
    ]
    readonly_fields = [field.name for field in IndexState._meta.fields]
    list_select_related = ["event"]

    @admin.display(description="event revision")
    def event_revision(self, state: IndexState) -> int:
        return state.event.revision

    @admin.display(boolean=True, description="current")
    def is_current(self, state: IndexState) -> bool:
        return state.is_current
