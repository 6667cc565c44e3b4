import os

from celery import Celery

from conference.filesystem_broker import use_atomic_filesystem_broker

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conference.settings")

use_atomic_filesystem_broker()
app = Celery("conference")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
