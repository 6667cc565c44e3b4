from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ReviewAssignment(models.Model):
    """A reviewer asked to review one abstract; made by organisers, by hand or in bulk."""

    abstract = models.ForeignKey(
        "abstracts.Abstract", on_delete=models.CASCADE, related_name="review_assignments"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["abstract", "assigned_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["abstract", "reviewer"], name="review_assignment_once"),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} → {self.abstract}"


class Review(models.Model):
    """What one assigned reviewer thinks of the abstract. They may revise it until the abstract is decided."""

    class Recommendation(models.TextChoices):
        ACCEPT = "accept", "Accept"
        REJECT = "reject", "Reject"

    assignment = models.OneToOneField(ReviewAssignment, on_delete=models.CASCADE, related_name="review")
    score = models.SmallIntegerField(help_text="On the event's scale (lowest to highest review score).")
    comment = models.TextField()
    recommendation = models.CharField(max_length=6, choices=Recommendation.choices)
    submitted_at = models.DateTimeField(default=timezone.now, help_text="When it was first submitted.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assignment__abstract", "submitted_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(recommendation__in=["accept", "reject"]), name="review_recommendation_known"
            ),
            models.CheckConstraint(condition=~Q(comment=""), name="review_has_comment"),
        ]

    def __str__(self) -> str:
        return f"{self.score} · {self.get_recommendation_display()} · {self.assignment}"
