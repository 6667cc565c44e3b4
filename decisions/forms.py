from django import forms

from decisions.letters import validate_letter_text
from decisions.models import Letter, LetterTemplate


class LetterTemplateForm(forms.Form):
    """One decision's letter as organisers type it; prefixed by the decision, so both fit one page."""

    subject = forms.CharField(
        max_length=LetterTemplate._meta.get_field("subject").max_length,
        validators=[validate_letter_text],
        error_messages={"required": "Give the letter a subject."},
    )
    body = forms.CharField(
        label="Text",
        max_length=LetterTemplate._meta.get_field("body").max_length,
        validators=[validate_letter_text],
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "true"}),
        error_messages={"required": "Write the letter's text."},
    )


def letter_ids(data) -> list[int]:
    """The ticked letters of an outbox form; anything that is not a number is ignored."""
    return [int(value) for value in data.getlist("letter") if value.isdigit() and len(value) < 19]


def outbox_state(data) -> str:
    state = data.get("state", "")
    return state if state in Letter.State.values else ""
