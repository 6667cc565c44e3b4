from django.urls import path

from abstracts import views

app_name = "abstracts"

urlpatterns = [
    path("my/abstracts/", views.my_abstracts, name="my_abstracts"),
    path("events/<slug:slug>/submit/", views.abstract_new, name="abstract_new"),
    path("events/<slug:slug>/abstracts/<int:pk>/", views.abstract_detail, name="abstract_detail"),
    path("events/<slug:slug>/abstracts/<int:pk>/edit/", views.abstract_edit, name="abstract_edit"),
    path(
        "events/<slug:slug>/abstracts/<int:pk>/withdraw/",
        views.abstract_withdraw_view,
        name="abstract_withdraw",
    ),
]
