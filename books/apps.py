from django.apps import AppConfig


class BooksConfig(AppConfig):
    name = "books"
    verbose_name = "Books of abstracts"
    default_auto_field = "django.db.models.BigAutoField"
