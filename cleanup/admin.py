from django.contrib import admin

from cleanup.models import MergeRecord
from conference.admin_scope import EventScopedAdmin, event_only


@admin.register(MergeRecord)
class MergeRecordAdmin(EventScopedAdmin, admin.ModelAdmin):
    """Read-only: a merge is a record. Organisers see the merges of their events, superusers all."""

    list_display = [
        "at",
        "event",
        "kind",
        "kept_label",
        "merged_list",
        "links_moved",
        "links_collapsed",
        "actor_label",
    ]
    read_only = True
    list_filter = ["kind", event_only("event")]
    search_fields = ["kept_label", "actor_label"]
    date_hierarchy = "at"
    readonly_fields = [
        "event",
        "kind",
        "kept_id",
        "kept_label",
        "merged_ids",
        "merged_labels",
        "links_moved",
        "links_collapsed",
        "abstracts_touched",
        "details",
        "actor",
        "actor_label",
        "at",
    ]

    @admin.display(description="merged")
    def merged_list(self, record: MergeRecord) -> str:
        return ", ".join(record.merged_labels)
