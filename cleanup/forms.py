"""The two forms of the duplicates page: a merge (of a suggested group or of picked records) and
the search that finds records to merge by hand."""

from django import forms
from django.core.exceptions import ValidationError

from cleanup.models import MergeRecord


class MergeForm(forms.Form):
    kind = forms.ChoiceField(
        choices=MergeRecord.Kind.choices,
        error_messages={"required": "Say what to merge.", "invalid_choice": "Unknown kind of record."},
    )
    keep = forms.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        error_messages={
            "required": "Choose the record to keep.",
            "invalid": "Choose the record to keep.",
            "min_value": "Choose the record to keep.",
            "max_value": "Choose the record to keep.",
        },
    )
    record = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        error_messages={"invalid_choice": "Tick the records to merge from the list."},
    )
    return_query = forms.CharField(required=False, max_length=600)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any whole number is a possible id; whether it is one of this event's is the service's to say.
        values = self.data.getlist("record") if hasattr(self.data, "getlist") else []
        self.fields["record"].choices = [
            (value, value) for value in values if value.isascii() and value.isdigit() and len(value) <= 18
        ]

    def clean(self):
        cleaned = super().clean()
        if "keep" in cleaned and "record" in cleaned:
            merge_ids = [pk for pk in dict.fromkeys(cleaned["record"]) if pk != cleaned["keep"]]
            if not merge_ids:
                raise ValidationError("Tick at least one record besides the one kept, to merge into it.")
            cleaned["merge_ids"] = merge_ids
        return cleaned

    def problem(self) -> str:
        return " ".join(message for messages in self.errors.values() for message in messages)


class RecordSearchForm(forms.Form):
    kind = forms.ChoiceField(label="Kind", choices=MergeRecord.Kind.choices, initial=MergeRecord.Kind.PERSON)
    q = forms.CharField(label="Name contains any of the words", max_length=200)
