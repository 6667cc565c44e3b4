from django import forms

from conference.models import Event
from reviews.models import Review
from reviews.selectors import event_reviewers
from reviews.services import COMMENT_MAX_LENGTH, PER_ABSTRACT_MAX, score_problem

# A scale of up to this many scores is offered as radio buttons, a longer one as a number field.
_RADIO_SCALE_AT_MOST = 11


class ReviewForm(forms.Form):
    score = forms.IntegerField(
        error_messages={"required": "Give a score.", "invalid": "Enter a whole number."}
    )
    recommendation = forms.ChoiceField(
        choices=Review.Recommendation.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Recommend to accept or to reject the abstract."},
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=COMMENT_MAX_LENGTH,
        help_text="For the organisers; other reviewers see it once they have submitted their own review.",
        error_messages={"required": "Write a comment for the organisers."},
    )

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        low, high = event.review_score_min, event.review_score_max
        score = self.fields["score"]
        score.help_text = f"From {low} (lowest) to {high} (highest)."
        if high - low + 1 <= _RADIO_SCALE_AT_MOST:
            score.widget = forms.RadioSelect(choices=[(n, str(n)) for n in range(low, high + 1)])
        else:
            score.widget = forms.NumberInput(attrs={"min": low, "max": high, "step": 1})

    def clean_score(self) -> int:
        score = self.cleaned_data["score"]
        problem = score_problem(self.event, score)
        if problem:
            raise forms.ValidationError(problem)
        return score


class BalancedAssignmentForm(forms.Form):
    # Both assignment forms share one <form> with the table: the browser must not demand the other's fields.
    use_required_attribute = False
    SCOPES = [
        ("short", "every submitted abstract with fewer reviewers than that"),
        ("ticked", "the ticked abstracts"),
    ]
    per_abstract = forms.IntegerField(
        label="Reviewers per abstract",
        min_value=1,
        max_value=PER_ABSTRACT_MAX,
        initial=3,
        widget=forms.NumberInput(attrs={"size": 3}),
    )
    scope = forms.ChoiceField(label="Top up", choices=SCOPES, initial="short", widget=forms.RadioSelect)


class HandAssignmentForm(forms.Form):
    use_required_attribute = False
    reviewer = forms.ModelChoiceField(
        label="Reviewer",
        queryset=None,
        empty_label="choose…",
        error_messages={"required": "Choose a reviewer.", "invalid_choice": "Choose one of the reviewers."},
    )

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = event_reviewers(event)
        self.fields["reviewer"].label_from_instance = lambda user: user.email or user.get_username()
