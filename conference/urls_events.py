from django.urls import path

from conference import views

app_name = "conference"

urlpatterns = [
    path("<slug:slug>/", views.event_detail, name="event_detail"),
]
