from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from abstracts.models import Abstract


@shared_task(
    name="abstracts.send_submission_confirmation",
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    max_retries=8,
)
def send_submission_confirmation(abstract_id: int) -> str:
    """E-mail the submitter that their abstract arrived, with what was submitted."""
    abstract = Abstract.objects.select_related("event", "submitter").filter(pk=abstract_id).first()
    if abstract is None or abstract.submitter is None or not abstract.submitter.email:
        return "nobody to tell"
    context = {
        "abstract": abstract,
        "event": abstract.event,
        "url": settings.SITE_URL.rstrip("/") + abstract.get_absolute_url(),
    }
    send_mail(
        subject=render_to_string("abstracts/email/submitted_subject.txt", context).strip(),
        message=render_to_string("abstracts/email/submitted.txt", context),
        from_email=None,
        recipient_list=[abstract.submitter.email],
    )
    return "sent"
