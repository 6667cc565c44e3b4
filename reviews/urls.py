from django.urls import path

from reviews import views

app_name = "reviews"

urlpatterns = [
    path("<slug:slug>/reviews/", views.my_reviews, name="my_reviews"),
    path("<slug:slug>/reviews/<int:abstract_pk>/", views.review_page, name="review"),
    path("<slug:slug>/board/reviewers/", views.assign_reviewers, name="assign"),
    path(
        "<slug:slug>/board/abstracts/<int:pk>/reviewers/", views.abstract_reviewers, name="abstract_reviewers"
    ),
]
