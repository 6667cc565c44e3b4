from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse

from abstracts.text import text_key
from abstracts.validators import ORCID_PATTERN, validate_orcid
from conference.codes import code_sort_key
from conference.models import Event, Session


class Person(models.Model):
    """An author, shared by all their abstracts in one event."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="people")
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150)
    title = models.CharField("academic title", max_length=60, blank=True)
    email = models.EmailField(blank=True)
    orcid = models.CharField("ORCID", max_length=19, blank=True, validators=[validate_orcid])
    name_key = models.CharField(max_length=310, editable=False, db_index=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name_plural = "people"
        constraints = [
            models.CheckConstraint(condition=~Q(last_name=""), name="person_has_last_name"),
            models.CheckConstraint(
                condition=Q(orcid="") | Q(orcid__regex=ORCID_PATTERN), name="person_orcid_format"
            ),
            models.UniqueConstraint(
                fields=["event", "orcid"],
                condition=~Q(orcid=""),
                name="person_orcid_unique_per_event",
            ),
            models.UniqueConstraint(
                Lower("email"),
                "event",
                condition=~Q(email=""),
                name="person_email_unique_per_event",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        # The key must always match the name it is derived from, however the row is saved.
        self.name_key = text_key(f"{self.first_name} {self.last_name}")
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Affiliation(models.Model):
    """An organisation as printed, shared by the abstracts of one event."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="affiliations")
    name = models.CharField(max_length=500)
    key = models.CharField(max_length=500, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(key=""), name="affiliation_has_name"),
            models.UniqueConstraint(fields=["event", "key"], name="affiliation_unique_per_event"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.key = text_key(self.name)
        super().save(*args, **kwargs)


class Keyword(models.Model):
    """A keyword of one event, unique case-insensitively; the label is kept as first written."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="keywords")
    label = models.CharField(max_length=200)
    key = models.CharField(max_length=200, editable=False)

    class Meta:
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(condition=~Q(key=""), name="keyword_has_label"),
            models.UniqueConstraint(fields=["event", "key"], name="keyword_unique_per_event"),
        ]

    def __str__(self) -> str:
        return self.label

    def save(self, *args, **kwargs):
        self.key = text_key(self.label)
        super().save(*args, **kwargs)


class Abstract(models.Model):
    """One submission: a poster or a talk, printed as one entry of the book."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="abstracts")
    session = models.ForeignKey(
        Session, on_delete=models.SET_NULL, null=True, blank=True, related_name="abstracts"
    )
    code = models.CharField(max_length=40, blank=True, help_text="Poster code, e.g. PS01.")
    code_sort = models.CharField(max_length=400, editable=False, db_index=True)
    order = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Position in the book."
    )
    title = models.CharField(max_length=500)
    text = models.TextField()
    note = models.CharField(
        max_length=500, blank=True, help_text='Printed after the authors, e.g. "On behalf of …".'
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    preferred_session = models.ForeignKey(
        Session,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The session the submitter asked for; organisers decide the session.",
    )
    submitted_at = models.DateTimeField(null=True, blank=True, help_text="When it was first submitted.")
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="abstracts",
    )
    # The confirmation e-mail (abstracts.services): each submit makes one due; sent means not due.
    confirmation_due_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When a confirmation e-mail not sent yet fell due."
    )
    confirmation_sent_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the last confirmation e-mail was sent."
    )
    confirmation_claimed_until = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="A worker sending the confirmation holds it until then.",
    )
    keywords = models.ManyToManyField(Keyword, through="AbstractKeyword", related_name="abstracts")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["event", "code_sort", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "code"],
                condition=~Q(code=""),
                name="abstract_code_unique_per_event",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "accepted", "rejected", "withdrawn"]),
                name="abstract_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(order__isnull=True) | Q(order__gte=1), name="abstract_order_positive"
            ),
            models.CheckConstraint(condition=~Q(title=""), name="abstract_has_title"),
            models.CheckConstraint(
                condition=~Q(code__startswith=" ") & ~Q(code__endswith=" "),
                name="abstract_code_trimmed",
            ),
        ]
        indexes = [models.Index(fields=["event", "status"], name="abstract_event_status")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}".strip()

    def save(self, *args, **kwargs):
        self.code_sort = code_sort_key(self.code)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("abstracts:abstract_detail", kwargs={"slug": self.event.slug, "pk": self.pk})

    def clean(self) -> None:
        if self.session_id and self.event_id and self.session.event_id != self.event_id:
            raise ValidationError({"session": "This session belongs to another event."})
        if self.preferred_session_id and self.event_id and self.preferred_session.event_id != self.event_id:
            raise ValidationError({"preferred_session": "This session belongs to another event."})


def _same_event(event_id, related, field: str) -> None:
    """Links inside an abstract must stay within its event (checked for the admin's forms)."""
    if event_id and related and related.event_id != event_id:
        raise ValidationError({field: f"This {field} belongs to another event."})


class Authorship(models.Model):
    """A person's place in an abstract's author list, with their affiliations in order.

    The superscript numbers are not stored: they follow from the order in which
    affiliations first appear along the author list (see ``abstracts.selectors``).
    """

    abstract = models.ForeignKey(Abstract, on_delete=models.CASCADE, related_name="authorships")
    person = models.ForeignKey(Person, on_delete=models.RESTRICT, related_name="authorships")
    position = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    is_presenting = models.BooleanField("presenting", default=False)
    affiliations = models.ManyToManyField(
        Affiliation, through="AuthorAffiliation", related_name="authorships", blank=True
    )

    class Meta:
        ordering = ["abstract", "position"]
        constraints = [
            models.CheckConstraint(condition=Q(position__gte=1), name="authorship_position_positive"),
            models.UniqueConstraint(
                fields=["abstract", "position"],
                name="authorship_position_unique",
            ),
            models.UniqueConstraint(fields=["abstract", "person"], name="authorship_person_once"),
            models.UniqueConstraint(
                fields=["abstract"],
                condition=Q(is_presenting=True),
                name="authorship_one_presenting_author",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.position})"

    def clean(self) -> None:
        _same_event(self.abstract_id and self.abstract.event_id, self.person_id and self.person, "person")


class AuthorAffiliation(models.Model):
    authorship = models.ForeignKey(Authorship, on_delete=models.CASCADE, related_name="affiliation_links")
    affiliation = models.ForeignKey(Affiliation, on_delete=models.RESTRICT, related_name="author_links")
    position = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["authorship", "position"]
        constraints = [
            models.CheckConstraint(condition=Q(position__gte=1), name="author_affiliation_position_positive"),
            models.UniqueConstraint(
                fields=["authorship", "position"], name="author_affiliation_position_unique"
            ),
            models.UniqueConstraint(fields=["authorship", "affiliation"], name="author_affiliation_once"),
        ]

    def __str__(self) -> str:
        return self.affiliation.name

    def clean(self) -> None:
        event_id = self.authorship_id and self.authorship.abstract.event_id
        _same_event(event_id, self.affiliation_id and self.affiliation, "affiliation")


class UnattachedAffiliation(models.Model):
    """An affiliation listed under an abstract that none of its authors carries.

    Real books have these (a number printed in the list but on no author); they are
    kept so that an import loses nothing, and numbered after the attached ones.
    """

    abstract = models.ForeignKey(Abstract, on_delete=models.CASCADE, related_name="unattached_affiliations")
    affiliation = models.ForeignKey(Affiliation, on_delete=models.RESTRICT, related_name="unattached_links")
    position = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["abstract", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["abstract", "position"], name="unattached_affiliation_position_unique"
            ),
            models.UniqueConstraint(fields=["abstract", "affiliation"], name="unattached_affiliation_once"),
        ]

    def __str__(self) -> str:
        return self.affiliation.name

    def clean(self) -> None:
        event_id = self.abstract_id and self.abstract.event_id
        _same_event(event_id, self.affiliation_id and self.affiliation, "affiliation")


class AbstractKeyword(models.Model):
    abstract = models.ForeignKey(Abstract, on_delete=models.CASCADE, related_name="keyword_links")
    keyword = models.ForeignKey(Keyword, on_delete=models.RESTRICT, related_name="abstract_links")
    spelling = models.CharField(
        max_length=200, blank=True, help_text="The keyword as this abstract wrote it (the index counts them)."
    )
    position = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["abstract", "position"]
        constraints = [
            models.CheckConstraint(condition=Q(position__gte=1), name="abstract_keyword_position_positive"),
            models.UniqueConstraint(fields=["abstract", "position"], name="abstract_keyword_position_unique"),
            models.UniqueConstraint(fields=["abstract", "keyword"], name="abstract_keyword_once"),
        ]

    def __str__(self) -> str:
        return self.keyword.label

    def clean(self) -> None:
        _same_event(self.abstract_id and self.abstract.event_id, self.keyword_id and self.keyword, "keyword")
