import logging
from smtplib import SMTPException

from celery import shared_task

from abstracts.services import (
    abstract_confirmation_failed,
    abstract_confirmation_send,
    abstract_confirmations_resend,
)

log = logging.getLogger(__name__)

# SMTP and network errors: retried this many times, waiting 30 s, then doubling up to 10 minutes.
CONFIRMATION_RETRIES = 8
CONFIRMATION_RETRY_SECONDS = 30
CONFIRMATION_RETRY_MAX_SECONDS = 600


@shared_task(bind=True, name="abstracts.send_submission_confirmation", max_retries=None)
def send_submission_confirmation(self, abstract_id: int) -> str:
    """E-mail the submitter that their abstract arrived (once, however often this runs)."""
    try:
        return abstract_confirmation_send(abstract_id=abstract_id)
    except (SMTPException, OSError) as error:
        if self.request.retries >= CONFIRMATION_RETRIES:
            log.error("confirmation of abstract %s given up: %s", abstract_id, error)
            abstract_confirmation_failed(abstract_id=abstract_id, retry_in=None)
            return "failed"
        wait = min(CONFIRMATION_RETRY_SECONDS * 2**self.request.retries, CONFIRMATION_RETRY_MAX_SECONDS)
        abstract_confirmation_failed(abstract_id=abstract_id, retry_in=wait)
        raise self.retry(exc=error, countdown=wait) from error
    except Exception:  # not worth retrying (a bad address, a bug): given up at once, with why
        log.exception("confirmation of abstract %s could not be sent", abstract_id)
        abstract_confirmation_failed(abstract_id=abstract_id, retry_in=None)
        return "failed"


@shared_task(name="abstracts.resend_unsent_confirmations")
def resend_unsent_confirmations() -> int:
    """Periodic: queue again confirmation e-mails whose task could not be queued or was lost."""
    return abstract_confirmations_resend()
