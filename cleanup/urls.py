from django.urls import path

from cleanup import views

app_name = "cleanup"

urlpatterns = [
    path("<slug:slug>/board/duplicates/", views.duplicates, name="duplicates"),
]
