from django.conf import settings
from django.db import models
from django.db.models import Q

from decisions.letters import validate_letter_text


class Decision(models.TextChoices):
    ACCEPTED = "accepted", "Acceptance letter"
    REJECTED = "rejected", "Rejection letter"


class LetterTemplate(models.Model):
    """An event's own text of one decision's letter; without one, the default text is used."""

    event = models.ForeignKey("conference.Event", on_delete=models.CASCADE, related_name="letter_templates")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    subject = models.CharField(max_length=200, validators=[validate_letter_text])
    body = models.TextField(max_length=10000, validators=[validate_letter_text])
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["event", "decision"]
        constraints = [
            models.UniqueConstraint(fields=["event", "decision"], name="letter_template_once_per_decision"),
            models.CheckConstraint(
                condition=Q(decision__in=["accepted", "rejected"]), name="letter_template_decision_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} · {self.event}"


class Letter(models.Model):
    """One decision e-mail to one abstract's author, rendered when queued and sent once released.

    queued → (an organiser releases it) released → (a worker sends it) sent, or failed after the
    last retry. While a worker sends it, ``claimed_until`` keeps other workers off it.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RELEASED = "released", "Released"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    event = models.ForeignKey("conference.Event", on_delete=models.CASCADE, related_name="letters")
    abstract = models.ForeignKey("abstracts.Abstract", on_delete=models.CASCADE, related_name="letters")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    recipient = models.EmailField(max_length=254)
    subject = models.TextField()
    body = models.TextField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="How many times a worker tried to send it.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(
        null=True, blank=True, help_text="When a send task was last queued (or a retry is due)."
    )
    claimed_until = models.DateTimeField(
        null=True, blank=True, help_text="A worker is sending it; others leave it alone until then."
    )

    class Meta:
        ordering = ["event", "pk"]
        constraints = [
            # One letter per abstract and decision unless it failed: pressing "queue" twice sends one.
            models.UniqueConstraint(
                fields=["abstract", "decision"],
                condition=Q(state__in=["queued", "released", "sent"]),
                name="letter_once_per_abstract_and_decision",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["queued", "released", "sent", "failed"]), name="letter_state_known"
            ),
            models.CheckConstraint(
                condition=Q(decision__in=["accepted", "rejected"]), name="letter_decision_known"
            ),
        ]
        indexes = [models.Index(fields=["event", "state"], name="letter_event_state")]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} to {self.recipient} ({self.get_state_display()})"
