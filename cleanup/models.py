from django.conf import settings
from django.db import models


class MergeRecord(models.Model):
    """One merge of duplicate records into a kept one, kept for the record; never edited.

    The merged records are gone afterwards, so their labels are written down here as they were.
    """

    class Kind(models.TextChoices):
        PERSON = "person", "people"
        AFFILIATION = "affiliation", "affiliations"
        KEYWORD = "keyword", "keywords"

    event = models.ForeignKey("conference.Event", on_delete=models.CASCADE, related_name="merge_records")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    kept_id = models.PositiveBigIntegerField(help_text="The record that was kept (it may be gone since).")
    kept_label = models.CharField(max_length=500)
    merged_ids = models.JSONField(default=list)
    merged_labels = models.JSONField(default=list, help_text="The merged records as they were written.")
    links_moved = models.PositiveIntegerField(
        default=0, help_text="Links (authorships, affiliation or keyword links) moved to the kept record."
    )
    links_collapsed = models.PositiveIntegerField(
        default=0,
        help_text="Links dropped because the abstract (or author) already had the kept record there.",
    )
    abstracts_touched = models.PositiveIntegerField(default=0)
    details = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=254, help_text="Who it was, as they were known then.")
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["event", "-at"], name="merge_record_event_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {', '.join(self.merged_labels)} → {self.kept_label}"
