from django.apps import AppConfig


class CleanupConfig(AppConfig):
    name = "cleanup"
    verbose_name = "Clean-up: merging duplicate people, affiliations and keywords"
