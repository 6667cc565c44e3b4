import logging
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings

from decisions.services import letter_send, letter_send_failed, letters_resend_unsent

log = logging.getLogger(__name__)


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


@shared_task(bind=True, name="decisions.send_letter", max_retries=None)
def send_letter(self, *, letter_id: int) -> str:
    """Send one released decision letter; SMTP and network errors are retried with a doubling wait
    (``DECISIONS_MAIL_RETRY_SECONDS``, ``DECISIONS_MAIL_RETRIES`` times), then the letter is failed."""
    try:
        return letter_send(letter_id=letter_id)
    except (SMTPException, OSError) as error:
        if self.request.retries >= settings.DECISIONS_MAIL_RETRIES:
            letter_send_failed(letter_id=letter_id, error=_describe(error), retry_in=None)
            return "failed"
        wait = settings.DECISIONS_MAIL_RETRY_SECONDS * 2**self.request.retries
        letter_send_failed(letter_id=letter_id, error=_describe(error), retry_in=wait)
        raise self.retry(exc=error, countdown=wait) from error
    except Exception as error:  # not worth retrying (a bad address, a bug): failed at once, with why
        log.exception("decision letter %s could not be sent", letter_id)
        letter_send_failed(letter_id=letter_id, error=_describe(error), retry_in=None)
        return "failed"


@shared_task(name="decisions.resend_unsent")
def resend_unsent() -> int:
    """Periodic: queue again released letters whose send task was lost."""
    return letters_resend_unsent()
