"""Pointing the app's Celery client at another broker, for tests of what happens while it is down."""

from conference.celery import app as celery_app

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"  # nothing listens there: connecting is refused at once


def point_celery_at(url: str) -> None:
    # Celery caches its connection pools; forget them so the next task uses this URL.
    celery_app.conf.broker_url = celery_app.conf.broker_write_url = celery_app.conf.broker_read_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
