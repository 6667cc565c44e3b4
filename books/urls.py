from django.urls import path

from books import views

app_name = "books"

urlpatterns = [
    path("<slug:slug>/book.pdf", views.book_pdf, name="pdf"),
    path("<slug:slug>/book/", views.book_html, name="html"),
    path("<slug:slug>/book/builds/", views.build_list, name="builds"),
    path("<slug:slug>/book/builds/status/", views.build_status, name="build_status"),
    path("<slug:slug>/book/builds/new/", views.build_request, name="build_request"),
    path("<slug:slug>/book/builds/<int:pk>.pdf", views.build_pdf, name="build_pdf"),
]
