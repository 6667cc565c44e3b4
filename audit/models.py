from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """One change made by an organiser (or a merge), kept for the record; never edited."""

    class Action(models.TextChoices):
        STATUS = "status", "status"
        SESSION = "session", "session"
        ORDER = "order", "order"
        CODE = "code", "poster code"
        MERGE = "merge", "merge"
        REVIEW = "review", "review"
        EMAIL = "email", "e-mail"

    event = models.ForeignKey("conference.Event", on_delete=models.CASCADE, related_name="audit_entries")
    # An entry outlives the abstract it names (a merge may delete one); the title is kept in the summary.
    abstract = models.ForeignKey(
        "abstracts.Abstract",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=254, help_text="Who it was, as they were known then.")
    action = models.CharField(max_length=10, choices=Action.choices)
    summary = models.CharField(max_length=500)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["abstract", "-at"], name="audit_abstract_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label}: {self.summary}"
