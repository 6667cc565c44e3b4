"""Reviews in the admin: for looking, restricted to the events the user organises (superusers see all).

Assigning, reviewing and unassigning happen on the site's pages, where the rules (reviewer role,
conflicts, score scale, decided abstracts) and the audit trail apply; the admin changes nothing.
"""

from django.contrib import admin

from conference.admin_scope import EventScopedAdmin, event_only
from reviews.models import Review, ReviewAssignment


@admin.register(ReviewAssignment)
class ReviewAssignmentAdmin(EventScopedAdmin, admin.ModelAdmin):
    event_path = "abstract__event"
    read_only = True
    list_display = ["abstract", "reviewer", "event", "assigned_by", "assigned_at", "is_done"]
    list_filter = [event_only("abstract__event")]
    search_fields = ["abstract__title", "abstract__code", "reviewer__email"]
    list_select_related = ["abstract__event", "reviewer", "assigned_by", "review"]
    date_hierarchy = "assigned_at"

    @admin.display(description="event", ordering="abstract__event")
    def event(self, assignment: ReviewAssignment):
        return assignment.abstract.event

    @admin.display(description="reviewed", boolean=True)
    def is_done(self, assignment: ReviewAssignment) -> bool:
        return hasattr(assignment, "review")


@admin.register(Review)
class ReviewAdmin(EventScopedAdmin, admin.ModelAdmin):
    event_path = "assignment__abstract__event"
    read_only = True
    list_display = ["abstract", "reviewer", "event", "score", "recommendation", "submitted_at"]
    list_filter = [event_only("assignment__abstract__event"), "recommendation"]
    search_fields = [
        "assignment__abstract__title",
        "assignment__abstract__code",
        "assignment__reviewer__email",
    ]
    list_select_related = ["assignment__abstract__event", "assignment__reviewer"]
    date_hierarchy = "submitted_at"

    @admin.display(description="abstract", ordering="assignment__abstract")
    def abstract(self, review: Review):
        return review.assignment.abstract

    @admin.display(description="reviewer", ordering="assignment__reviewer__email")
    def reviewer(self, review: Review):
        return review.assignment.reviewer

    @admin.display(description="event", ordering="assignment__abstract__event")
    def event(self, review: Review):
        return review.assignment.abstract.event
