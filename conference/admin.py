from django.contrib import admin

from conference.models import Event, Session


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0
    fields = ["order", "title"]
    ordering = ["order", "title"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "start_date", "venue", "call_deadline", "is_published"]
    list_filter = ["is_published", "start_date"]
    search_fields = ["name", "short_name", "slug", "venue"]
    prepopulated_fields = {"slug": ["short_name"]}
    date_hierarchy = "start_date"
    inlines = [SessionInline]
    fieldsets = [
        (None, {"fields": ["name", "short_name", "slug", "is_published"]}),
        ("When and where", {"fields": ["start_date", "end_date", "venue", "time_zone"]}),
        ("Call for abstracts", {"fields": ["call_opens_at", "call_deadline", "word_limit"]}),
        ("Programme", {"fields": ["poster_code_pattern"]}),
    ]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["title", "event", "order"]
    list_filter = ["event"]
    search_fields = ["title"]
    ordering = ["event", "order"]
