"""The author and keyword indexes of each event, as stored snapshots.

Each rebuild replaces an event's entries in one transaction, so readers see the
previous index or the new one, never half of each.
"""

from django.db import models

from conference.models import Event


class IndexState(models.Model):
    """How far an event's indexes have caught up with its revision."""

    event = models.OneToOneField(
        Event, on_delete=models.CASCADE, primary_key=True, related_name="index_state"
    )
    built_revision = models.PositiveBigIntegerField(null=True, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    build_seconds = models.FloatField(null=True, blank=True)
    builds = models.PositiveIntegerField(default=0, help_text="Rebuilds executed so far.")
    queued_at = models.DateTimeField(
        null=True, blank=True, help_text="Set while a rebuild is queued and has not started yet."
    )
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"indexes of {self.event}"

    @property
    def is_current(self) -> bool:
        return self.built_revision is not None and self.built_revision == self.event.revision


class AuthorIndexEntry(models.Model):
    """One person in the printed author index: ``Surname Given-names  PS01, PS12``."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="author_index")
    position = models.PositiveIntegerField(help_text="Place in collation order.")
    letter = models.CharField(max_length=8)
    surname = models.CharField(max_length=150)
    given_names = models.CharField(max_length=150, blank=True)
    person_ids = models.JSONField(default=list)
    abstracts = models.JSONField(default=list, help_text='[{"id": 1, "code": "PS01", "title": "…"}]')
    pages = models.JSONField(default=list, help_text="Pages in the book, once it is built.")

    class Meta:
        ordering = ["event", "position"]
        constraints = [
            models.UniqueConstraint(fields=["event", "position"], name="author_index_position_unique")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.surname} {self.given_names}".strip()


class KeywordIndexEntry(models.Model):
    """One keyword in the printed keyword index, with the abstracts that carry it."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="keyword_index")
    position = models.PositiveIntegerField()
    letter = models.CharField(max_length=8)
    label = models.CharField(max_length=200)
    keyword_id_ref = models.PositiveBigIntegerField(help_text="The Keyword row it was built from.")
    abstracts = models.JSONField(default=list)
    pages = models.JSONField(default=list)

    class Meta:
        ordering = ["event", "position"]
        constraints = [
            models.UniqueConstraint(fields=["event", "position"], name="keyword_index_position_unique")
        ]

    def __str__(self) -> str:
        return self.label
