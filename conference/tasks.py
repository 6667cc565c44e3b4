from celery import shared_task


@shared_task(name="conference.ping")
def ping() -> str:
    """Answered by any live worker; the health check uses it to see one is consuming tasks."""
    return "pong"
