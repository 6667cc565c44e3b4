from datetime import datetime
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from conference.codes import validate_code_pattern


def validate_time_zone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (e.g. Europe/Berlin).")


LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_PIXELS = 4000
LOGO_FORMATS = {"PNG": "png", "JPEG": "jpg"}


def validate_logo(file) -> None:
    """A PNG or JPEG of at most 2 MB and 4000 pixels a side, checked by reading the image itself."""
    from PIL import Image, UnidentifiedImageError

    if file.size > LOGO_MAX_BYTES:
        raise ValidationError(f"The logo is {file.size / 1048576:.1f} MB; at most 2 MB is accepted.")
    try:
        file.seek(0)
        with Image.open(file) as image:
            image_format, (width, height) = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError("The logo must be a PNG or JPEG image; this file is not one.") from error
    finally:
        file.seek(0)
    if image_format not in LOGO_FORMATS:
        raise ValidationError(f"The logo must be a PNG or JPEG image, not {image_format}.")
    if max(width, height) > LOGO_MAX_PIXELS:
        raise ValidationError(
            f"The logo is {width}×{height} pixels; at most {LOGO_MAX_PIXELS} pixels a side is accepted."
        )


def logo_upload_path(event: "Event", filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "png"
    extension = "jpg" if extension == "jpeg" else extension
    return f"events/{event.slug}/logo.{extension}"


class Event(models.Model):
    name = models.CharField(max_length=300)
    short_name = models.CharField(max_length=100, blank=True)
    slug = models.SlugField(max_length=100, unique=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    venue = models.CharField(max_length=300, blank=True)
    time_zone = models.CharField(max_length=64, default="Europe/Berlin", validators=[validate_time_zone])
    call_opens_at = models.DateTimeField("call for abstracts opens", null=True, blank=True)
    call_deadline = models.DateTimeField("submission deadline", null=True, blank=True)
    word_limit = models.PositiveIntegerField(default=300, validators=[MinValueValidator(1)])
    poster_code_pattern = models.CharField(
        max_length=40,
        default="PS{n:02d}",
        validators=[validate_code_pattern],
        help_text="Python format with {n}, e.g. PS{n:02d} gives PS01, PS-{n:02d} gives PS-01.",
    )
    revision = models.PositiveBigIntegerField(
        default=0,
        editable=False,
        help_text="Goes up with every change to what the book would print; the indexes follow it.",
    )
    is_published = models.BooleanField(
        "published", default=False, help_text="Published events are visible to the public."
    )
    codes_locked = models.BooleanField(
        "poster codes locked",
        default=False,
        help_text="Locked codes cannot be renumbered or changed (lock them once the programme is out).",
    )

    class BookLayout(models.TextChoices):
        PAGE_PER_ABSTRACT = "page", "One abstract per page"
        FLOWING = "flow", "Flowing (abstracts follow one another)"

    organisation = models.CharField(
        max_length=300, blank=True, help_text="The line above the event's name on the book's cover."
    )
    book_title = models.CharField(max_length=100, default="Book of abstracts")
    book_layout = models.CharField(
        max_length=4, choices=BookLayout.choices, default=BookLayout.PAGE_PER_ABSTRACT
    )
    logo = models.FileField(
        upload_to=logo_upload_path,
        blank=True,
        validators=[validate_logo],
        help_text="Printed on the book's cover: PNG or JPEG, at most 2 MB and 4000 pixels a side.",
    )
    review_score_min = models.SmallIntegerField(
        "lowest review score", default=1, help_text="The lowest score a reviewer can give."
    )
    review_score_max = models.SmallIntegerField(
        "highest review score", default=5, help_text="The highest score a reviewer can give."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="event_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=Q(call_opens_at__isnull=True)
                | Q(call_deadline__isnull=True)
                | Q(call_deadline__gt=F("call_opens_at")),
                name="event_deadline_after_call_opens",
            ),
            models.CheckConstraint(condition=Q(word_limit__gte=1), name="event_word_limit_positive"),
            models.CheckConstraint(
                condition=Q(poster_code_pattern__contains="{n"),
                name="event_code_pattern_has_number",
            ),
            models.CheckConstraint(
                condition=Q(book_layout__in=["page", "flow"]), name="event_book_layout_known"
            ),
            models.CheckConstraint(
                condition=Q(review_score_min__lt=F("review_score_max")),
                name="event_review_scale_ordered",
                violation_error_message="The lowest review score must be below the highest.",
            ),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    def get_absolute_url(self) -> str:
        return reverse("conference:event_detail", kwargs={"slug": self.slug})

    def call_state(self, at: datetime | None = None) -> str:
        """The call for abstracts at ``at`` (now by default): "none", "upcoming", "open" or "closed".

        Without a deadline there is no call; submissions are taken until the deadline, excluded.
        """
        if self.call_deadline is None:
            return "none"
        at = at or timezone.now()
        if self.call_opens_at is not None and at < self.call_opens_at:
            return "upcoming"
        return "open" if at < self.call_deadline else "closed"

    def call_is_open(self, at: datetime | None = None) -> bool:
        return self.call_state(at) == "open"


class Session(models.Model):
    """A topic track of an event, e.g. "Biomedicine"; abstracts are grouped by it in the book."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(max_length=200)
    order = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["event", "order", "title"]
        constraints = [
            models.UniqueConstraint(fields=["event", "title"], name="session_title_unique_per_event"),
            models.CheckConstraint(condition=Q(order__gte=1), name="session_order_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class EventRole(models.Model):
    """What a person may do in one event beyond submitting: organise it or review for it."""

    class Role(models.TextChoices):
        ORGANISER = "organiser", "Organiser"
        REVIEWER = "reviewer", "Reviewer"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="roles")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_roles")
    role = models.CharField(max_length=10, choices=Role.choices)

    class Meta:
        ordering = ["event", "role", "user"]
        constraints = [
            models.UniqueConstraint(fields=["event", "user", "role"], name="event_role_once"),
            models.CheckConstraint(condition=Q(role__in=["organiser", "reviewer"]), name="event_role_known"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.event}"
