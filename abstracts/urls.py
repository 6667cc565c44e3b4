from django.urls import path

from abstracts import views

app_name = "abstracts"

urlpatterns = [
    path("<slug:slug>/abstracts/<int:pk>/", views.abstract_detail, name="abstract_detail"),
]
