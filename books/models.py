from django.db import models
from django.db.models import Q
from django.urls import reverse

from conference.models import Event


class BookBuild(models.Model):
    """One build of an event's book of abstracts, kept as history; each good one has its own PDF."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (nothing changed)"

    class Phase(models.TextChoices):
        WAITING = "", "Waiting"
        PLANNING = "planning", "Reading the abstracts"
        RENDERING = "rendering", "Laying out the abstracts"
        ASSEMBLING = "assembling", "Contents, indexes and the final PDF"
        DONE = "done", "Done"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="book_builds")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(max_length=10, choices=Phase.choices, default=Phase.WAITING, blank=True)
    forced = models.BooleanField(
        default=False, help_text="Asked for by hand: builds even if nothing changed."
    )
    revision = models.PositiveBigIntegerField(null=True, blank=True, help_text="The event revision printed.")
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life of a running build; reconcile fails silent ones."
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    slices_total = models.PositiveIntegerField(default=0)
    slices_rendered = models.PositiveIntegerField(
        default=0, help_text="Slices laid out by this build; the others were reused from earlier builds."
    )
    slices_to_render = models.PositiveIntegerField(default=0)
    assembly_claimed = models.BooleanField(default=False)
    plan = models.JSONField(default=dict, blank=True, editable=False)
    pages = models.PositiveIntegerField(null=True, blank=True)
    size = models.PositiveBigIntegerField("size (bytes)", null=True, blank=True)
    pdf = models.FileField(upload_to="books/", blank=True, max_length=300)
    page_numbers = models.JSONField(
        default=dict, blank=True, editable=False, help_text="Abstract id to the page it starts on."
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        get_latest_by = "finished_at"
        constraints = [
            # At most one waiting build per event: further requests join it.
            models.UniqueConstraint(
                fields=["event"], condition=Q(status="queued"), name="book_one_queued_build_per_event"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "succeeded", "failed", "skipped"]),
                name="book_build_status_known",
            ),
            # One build lays out an event's book at a time; another waits its turn.
            models.UniqueConstraint(
                fields=["event"], condition=Q(status="running"), name="book_one_running_build_per_event"
            ),
            models.CheckConstraint(
                condition=~Q(status="succeeded") | Q(pages__isnull=False, revision__isnull=False),
                name="book_build_success_has_pages",
            ),
        ]
        indexes = [models.Index(fields=["event", "status", "-finished_at"])]

    def __str__(self) -> str:
        return f"Book of {self.event} #{self.pk} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.RUNNING}

    @property
    def progress(self) -> float | None:
        """Share of the work done, 0 to 1, while running."""
        if self.status != self.Status.RUNNING:
            return None
        if self.phase == self.Phase.ASSEMBLING:
            return 0.9
        if not self.slices_to_render:
            return 0.05
        return 0.05 + 0.85 * self.slices_rendered / self.slices_to_render

    def get_download_url(self) -> str:
        return reverse("books:build_pdf", kwargs={"slug": self.event.slug, "pk": self.pk})
