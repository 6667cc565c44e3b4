from django.contrib import admin

from conference.admin_scope import EventScopedAdmin, EventScopedInline, event_only
from conference.changes import event_changed
from conference.models import Event, EventRole, Session

# Event fields the book prints: changing one asks for a new book (through the change signal).
BOOK_FIELDS = {
    "name",
    "short_name",
    "start_date",
    "end_date",
    "venue",
    "organisation",
    "book_title",
    "book_layout",
    "logo",
}


class EventRoleInline(EventScopedInline, admin.TabularInline):
    event_path = ""
    model = EventRole
    extra = 0
    autocomplete_fields = ["user"]
    verbose_name = "organiser or reviewer"
    verbose_name_plural = "organisers and reviewers"


class SessionInline(EventScopedInline, admin.TabularInline):
    event_path = ""
    model = Session
    extra = 0
    fields = ["order", "title"]
    ordering = ["order", "title"]


@admin.register(Event)
class EventAdmin(EventScopedAdmin, admin.ModelAdmin):
    event_path = ""
    list_display = ["name", "short_name", "start_date", "venue", "call_deadline", "is_published"]
    list_filter = ["is_published", "start_date"]
    search_fields = ["name", "short_name", "slug", "venue"]
    prepopulated_fields = {"slug": ["short_name"]}
    date_hierarchy = "start_date"
    inlines = [SessionInline, EventRoleInline]
    readonly_fields = ["revision"]
    fieldsets = [
        (None, {"fields": ["name", "short_name", "slug", "is_published", "revision"]}),
        ("When and where", {"fields": ["start_date", "end_date", "venue", "time_zone"]}),
        ("Call for abstracts", {"fields": ["call_opens_at", "call_deadline", "word_limit"]}),
        ("Programme", {"fields": ["poster_code_pattern", "codes_locked"]}),
        ("Review", {"fields": ["review_score_min", "review_score_max"]}),
        ("Book of abstracts", {"fields": ["organisation", "book_title", "book_layout", "logo"]}),
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and set(form.changed_data) & BOOK_FIELDS:
            event_changed(obj.pk)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and formsets and any(formset.has_changed() for formset in formsets):
            event_changed(form.instance.pk)  # sessions renamed or reordered


@admin.register(Session)
class SessionAdmin(EventScopedAdmin, admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        event_changed(obj.event_id)

    list_display = ["title", "event", "order"]
    list_filter = [event_only("event")]
    search_fields = ["title"]
    ordering = ["event", "order"]
