from django import forms
from django.contrib import admin
from django.db.models import Count

from abstracts.models import (
    Abstract,
    AbstractKeyword,
    Affiliation,
    AuthorAffiliation,
    Authorship,
    Keyword,
    Person,
    UnattachedAffiliation,
)
from audit.models import AuditEntry
from audit.services import audit_record
from conference.admin_scope import EventScopedAdmin, EventScopedInline, event_only
from conference.changes import event_changed
from conference.models import Session


class MarksEventChanged:
    """Admin edits change what the book prints: tell the index pipeline, like the services do."""

    def event_id_of(self, obj) -> int:
        return obj.event_id

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        event_changed(self.event_id_of(form.instance))

    def delete_model(self, request, obj):
        event_id = self.event_id_of(obj)
        super().delete_model(request, obj)
        event_changed(event_id)

    def delete_queryset(self, request, queryset):
        event_ids = {self.event_id_of(obj) for obj in queryset}
        super().delete_queryset(request, queryset)
        for event_id in event_ids:
            event_changed(event_id)


class AuthorshipInline(EventScopedInline, admin.TabularInline):
    model = Authorship
    extra = 0
    fields = ["position", "person", "is_presenting", "affiliation_numbers"]
    readonly_fields = ["affiliation_numbers"]
    autocomplete_fields = ["person"]
    ordering = ["position"]
    show_change_link = True

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("person")
            .prefetch_related("affiliation_links__affiliation")
        )

    @admin.display(description="affiliations")
    def affiliation_numbers(self, authorship: Authorship) -> str:
        return "; ".join(link.affiliation.name for link in authorship.affiliation_links.all()) or "—"


class AbstractKeywordInline(EventScopedInline, admin.TabularInline):
    model = AbstractKeyword
    extra = 0
    verbose_name_plural = "keywords"
    fields = ["position", "keyword"]
    autocomplete_fields = ["keyword"]
    ordering = ["position"]


class UnattachedAffiliationInline(EventScopedInline, admin.TabularInline):
    model = UnattachedAffiliation
    extra = 0
    autocomplete_fields = ["affiliation"]
    verbose_name_plural = "affiliations listed but carried by no author"


@admin.register(Abstract)
class AbstractAdmin(MarksEventChanged, EventScopedAdmin, admin.ModelAdmin):
    list_display = ["code", "title", "event", "session", "status", "author_count", "updated_at"]
    list_display_links = ["code", "title"]
    list_filter = [event_only("event"), "status", event_only("session"), event_only("preferred_session")]
    search_fields = [
        "code",
        "title",
        "text",
        "authorships__person__last_name",
        "authorships__person__first_name",
        "keywords__label",
    ]
    list_select_related = ["event", "session"]
    ordering = ["event", "code_sort", "order"]
    autocomplete_fields = ["submitter"]
    readonly_fields = ["submitted_at", "created_at", "updated_at"]
    inlines = [AuthorshipInline, UnattachedAffiliationInline, AbstractKeywordInline]

    AUDITED = {
        "status": AuditEntry.Action.STATUS,
        "session": AuditEntry.Action.SESSION,
        "code": AuditEntry.Action.CODE,
        "order": AuditEntry.Action.ORDER,
    }

    def save_model(self, request, obj, form, change):
        # Changes made here go into the audit trail like those made on the board.
        before = {name: form.initial.get(name) for name in self.AUDITED} if change else {}
        super().save_model(request, obj, form, change)
        for name in set(form.changed_data) & self.AUDITED.keys() if change else ():
            old, new = before[name], form.cleaned_data[name]
            if name == "session":
                old = Session.objects.filter(pk=old).first() if old else None
            label = name.capitalize()
            audit_record(
                event_id=obj.event_id,
                actor=request.user,
                action=self.AUDITED[name],
                abstract_id=obj.pk,
                summary=f"{label} {old or '(none)'} → {new or '(none)'} (in the admin)",
                details={"from": str(old or ""), "to": str(new or "")},
            )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in ("title", "note"):
            kwargs["widget"] = forms.TextInput(attrs={"class": "vTextField", "style": "width: 40em"})
        if db_field.name == "text":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 16, "cols": 100})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    fieldsets = [
        (None, {"fields": ["event", "status", "session", "preferred_session", "code", "order"]}),
        ("Content", {"fields": ["title", "note", "text"]}),
        ("Record", {"fields": ["submitter", "submitted_at", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(author_total=Count("authorships", distinct=True))

    @admin.display(description="authors", ordering="author_total")
    def author_count(self, abstract: Abstract) -> int:
        return abstract.author_total

    def get_search_results(self, request, queryset, search_term):
        queryset, _ = super().get_search_results(request, queryset, search_term)
        # The joins over authors and keywords would list an abstract once per match.
        return queryset.distinct(), False


class AuthorAffiliationInline(EventScopedInline, admin.TabularInline):
    event_path = "abstract__event"
    model = AuthorAffiliation
    extra = 0
    fields = ["position", "affiliation"]
    autocomplete_fields = ["affiliation"]
    ordering = ["position"]


@admin.register(Authorship)
class AuthorshipAdmin(MarksEventChanged, EventScopedAdmin, admin.ModelAdmin):
    event_path = "abstract__event"

    def event_id_of(self, obj) -> int:
        return obj.abstract.event_id

    list_display = ["person", "abstract", "position", "is_presenting"]
    list_filter = [event_only("abstract__event"), "is_presenting"]
    search_fields = ["person__last_name", "person__first_name", "abstract__title", "abstract__code"]
    list_select_related = ["person", "abstract"]
    autocomplete_fields = ["person", "abstract"]
    inlines = [AuthorAffiliationInline]


@admin.register(Person)
class PersonAdmin(MarksEventChanged, EventScopedAdmin, admin.ModelAdmin):
    list_display = ["last_name", "first_name", "title", "email", "orcid", "event", "abstract_count"]
    list_filter = [event_only("event"), "title"]
    search_fields = ["last_name", "first_name", "email", "orcid"]
    list_select_related = ["event"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(abstract_total=Count("authorships"))

    @admin.display(description="abstracts", ordering="abstract_total")
    def abstract_count(self, person: Person) -> int:
        return person.abstract_total


@admin.register(Affiliation)
class AffiliationAdmin(MarksEventChanged, EventScopedAdmin, admin.ModelAdmin):
    list_display = ["name", "event", "author_count"]
    list_filter = [event_only("event")]
    search_fields = ["name"]
    list_select_related = ["event"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(author_total=Count("author_links"))

    @admin.display(description="authors", ordering="author_total")
    def author_count(self, affiliation: Affiliation) -> int:
        return affiliation.author_total


@admin.register(Keyword)
class KeywordAdmin(MarksEventChanged, EventScopedAdmin, admin.ModelAdmin):
    list_display = ["label", "event", "abstract_count"]
    list_filter = [event_only("event")]
    search_fields = ["label"]
    list_select_related = ["event"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(abstract_total=Count("abstract_links"))

    @admin.display(description="abstracts", ordering="abstract_total")
    def abstract_count(self, keyword: Keyword) -> int:
        return keyword.abstract_total
