"""The API's routes, version 1 (included at /api/v1/). Each app's viewsets live in its own api.py."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from abstracts.api import AbstractViewSet, AffiliationViewSet, KeywordViewSet, PersonViewSet
from books.api import BookBuildViewSet
from conference.api import EventViewSet, SessionViewSet
from indexes.api import AuthorIndexViewSet, KeywordIndexViewSet
from reviews.api import ReviewAssignmentViewSet, ReviewViewSet

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("events", EventViewSet, basename="event")
router.register("sessions", SessionViewSet, basename="session")
router.register("abstracts", AbstractViewSet, basename="abstract")
router.register("people", PersonViewSet, basename="person")
router.register("affiliations", AffiliationViewSet, basename="affiliation")
router.register("keywords", KeywordViewSet, basename="keyword")
router.register("book-builds", BookBuildViewSet, basename="book-build")
router.register("review-assignments", ReviewAssignmentViewSet, basename="review-assignment")
router.register("reviews", ReviewViewSet, basename="review")

urlpatterns = [
    path(
        "events/<slug:slug>/author-index/",
        AuthorIndexViewSet.as_view({"get": "list"}),
        name="author-index",
    ),
    path(
        "events/<slug:slug>/keyword-index/",
        KeywordIndexViewSet.as_view({"get": "list"}),
        name="keyword-index",
    ),
    *router.urls,
]
