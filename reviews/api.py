"""API of reviewing: a reviewer reads their assignments and writes their own reviews (through
``review_submit``, the review page's service); organisers read every assignment and review of
their events. Anyone else: 404. Reviewers see the abstracts assigned to them (``abstracts.api``)."""

import django_filters
from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.reverse import reverse

from api.permissions import is_superuser, organised_event_ids
from reviews.models import Review, ReviewAssignment
from reviews.services import COMMENT_MAX_LENGTH, review_submit

ID_PATTERN = r"[0-9]{1,18}"


def assigned_abstract_ids(request) -> QuerySet:
    """The abstracts assigned to the user for review, as a subquery."""
    return ReviewAssignment.objects.filter(reviewer=request.user).values("abstract_id")


def assignments_visible(request) -> QuerySet[ReviewAssignment]:
    if is_superuser(request):
        return ReviewAssignment.objects.all()
    if not request.user.is_authenticated:
        return ReviewAssignment.objects.none()
    return ReviewAssignment.objects.filter(
        Q(reviewer=request.user) | Q(abstract__event_id__in=list(organised_event_ids(request)))
    )


class ReviewSerializer(serializers.ModelSerializer):
    assignment = serializers.IntegerField(source="assignment_id", read_only=True)
    abstract = serializers.IntegerField(source="assignment.abstract_id", read_only=True)
    reviewer = serializers.EmailField(source="assignment.reviewer.email", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = [
            "id",
            "assignment",
            "abstract",
            "reviewer",
            "score",
            "recommendation",
            "comment",
            "submitted_at",
            "updated_at",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, review: Review) -> str:
        return reverse("api:review-detail", kwargs={"pk": review.pk}, request=self.context["request"])


class AssignmentSerializer(serializers.ModelSerializer):
    event = serializers.SlugRelatedField(source="abstract.event", slug_field="slug", read_only=True)
    abstract = serializers.IntegerField(source="abstract_id", read_only=True)
    abstract_title = serializers.CharField(source="abstract.title", read_only=True)
    abstract_status = serializers.CharField(source="abstract.status", read_only=True)
    reviewer = serializers.EmailField(source="reviewer.email", read_only=True)
    review = serializers.SerializerMethodField(
        help_text="Your review (or theirs, for organisers); null if none yet."
    )
    abstract_url = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = ReviewAssignment
        fields = [
            "id",
            "event",
            "abstract",
            "abstract_title",
            "abstract_status",
            "reviewer",
            "assigned_at",
            "review",
            "abstract_url",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(ReviewSerializer(allow_null=True))
    def get_review(self, assignment: ReviewAssignment) -> dict | None:
        review = getattr(assignment, "review", None)
        return ReviewSerializer(review, context=self.context).data if review else None

    def get_abstract_url(self, assignment: ReviewAssignment) -> str:
        return reverse(
            "api:abstract-detail", kwargs={"pk": assignment.abstract_id}, request=self.context["request"]
        )

    def get_url(self, assignment: ReviewAssignment) -> str:
        return reverse(
            "api:review-assignment-detail", kwargs={"pk": assignment.pk}, request=self.context["request"]
        )


class ReviewWriteSerializer(serializers.Serializer):
    score = serializers.IntegerField(help_text="On the event's scale (review_score_min to review_score_max).")
    recommendation = serializers.ChoiceField(choices=Review.Recommendation.choices)
    comment = serializers.CharField(max_length=COMMENT_MAX_LENGTH, help_text="For the organisers.")


class AssignmentFilter(django_filters.FilterSet):
    event = django_filters.CharFilter(field_name="abstract__event__slug", label="The event's slug.")
    done = django_filters.BooleanFilter(
        field_name="review", lookup_expr="isnull", exclude=True, label="Only those reviewed (or not)."
    )

    class Meta:
        model = ReviewAssignment
        fields = ["event", "done"]


@extend_schema_view(
    list=extend_schema(
        summary="Review assignments",
        description="A reviewer's own assignments; for organisers, every assignment of their events. "
        "Others get an empty list.",
    ),
    retrieve=extend_schema(summary="One assignment", description="404 unless listed for you."),
)
class ReviewAssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> QuerySet[ReviewAssignment]:
        return (
            assignments_visible(self.request)
            .select_related("abstract__event", "reviewer", "review")
            .order_by("abstract__event_id", "abstract__code_sort", "abstract_id", "pk")
        )

    @extend_schema(
        summary="Write your review",
        description="The assigned reviewer only (403 for organisers and others who see the assignment), "
        "while the abstract is submitted (not yet decided): the first time or revised. Refused with "
        "400, `refused`, and the reason otherwise.",
        request=ReviewWriteSerializer,
        responses={200: ReviewSerializer},
    )
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        assignment = self.get_object()
        if assignment.reviewer_id != request.user.pk:
            raise exceptions.PermissionDenied("Only the assigned reviewer can write this review.")
        body = ReviewWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        review = review_submit(
            event=assignment.abstract.event,
            abstract_id=assignment.abstract_id,
            reviewer=request.user,
            **body.validated_data,
        )
        review = Review.objects.select_related("assignment__reviewer").get(pk=review.pk)
        return Response(ReviewSerializer(review, context={"request": request}).data)


class ReviewFilter(django_filters.FilterSet):
    event = django_filters.CharFilter(
        field_name="assignment__abstract__event__slug", label="The event's slug."
    )
    abstract = django_filters.NumberFilter(field_name="assignment__abstract_id", min_value=1, max_value=2**62)

    class Meta:
        model = Review
        fields = ["event", "abstract"]


@extend_schema_view(
    list=extend_schema(
        summary="Reviews",
        description="Your own reviews; for organisers, every review of their events (order abstracts by "
        "their mean score with `/abstracts/?event=…&ordering=-score`).",
    ),
    retrieve=extend_schema(summary="One review", description="404 unless listed for you."),
)
class ReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ReviewSerializer
    filterset_class = ReviewFilter
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> QuerySet[Review]:
        return (
            Review.objects.filter(assignment__in=assignments_visible(self.request).values("pk"))
            .select_related("assignment__reviewer")
            .order_by("assignment__abstract_id", "submitted_at", "pk")
        )
