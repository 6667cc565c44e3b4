"""The audit trail: every organiser's change on the board is recorded and shown on the abstract."""

import pytest
from django.contrib.auth.models import User

from audit.models import AuditEntry
from conference.models import EventRole
from tests.factories import make_abstract, make_event, make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    event = make_event(is_published=True, poster_code_pattern="PS{n:02d}")
    make_session(event, "Biomedicine", 1)
    return event


@pytest.fixture
def organiser(client, event):
    person = User.objects.create_user("olga", "olga@example.org", "x")
    EventRole.objects.create(event=event, user=person, role="organiser")
    client.force_login(person)
    return person


def record_url(event, abstract) -> str:
    return f"/events/{event.slug}/board/abstracts/{abstract.pk}/"


def test_status_session_order_and_code_changes_are_recorded_with_who_and_what(client, event, organiser):
    first = make_abstract(event, status="submitted", title="First poster")
    second = make_abstract(event, status="submitted", title="Second poster")
    session = event.sessions.get()
    board = f"/events/{event.slug}/board/"

    client.post(board, {"action": "accept", "abstract": [first.pk, second.pk]})
    client.post(board, {"action": "session", "abstract": [first.pk, second.pk], "session": session.pk})
    client.post(board, {"action": f"up:{second.pk}"})
    client.post(board, {"action": "number", "policy": "programme"})
    client.post(board, {"action": f"code:{first.pk}", f"code-{first.pk}": "PS99"})

    trail = [
        (entry.action, entry.summary, entry.actor_label)
        for entry in AuditEntry.objects.filter(abstract=first).order_by("at", "pk")
    ]
    assert trail == [
        ("status", "Status submitted → accepted", "olga@example.org"),
        ("session", "Session none → Biomedicine", "olga@example.org"),
        ("code", "Code (none) → PS02", "olga@example.org"),
        ("code", "Code PS02 → PS99 (by hand)", "olga@example.org"),
    ]
    assert AuditEntry.objects.filter(abstract=second, action="order").get().details == {"from": 2, "to": 1}
    # Numbering is also one entry for the event as a whole.
    assert AuditEntry.objects.filter(abstract=None, summary__startswith="Numbered 2").exists()

    page = client.get(record_url(event, first)).content.decode()
    assert "Code PS02 → PS99 (by hand)" in page
    assert "Status submitted → accepted" in page
    assert page.index("PS99 (by hand)") < page.index("Status submitted"), "newest first"


def test_a_refused_change_leaves_no_entry(client, event, organiser):
    taken = make_abstract(event, status="accepted", code="PS01")
    other = make_abstract(event, status="accepted")

    client.post(f"/events/{event.slug}/board/", {"action": f"code:{other.pk}", f"code-{other.pk}": "PS01"})

    assert taken.code == "PS01"
    assert not AuditEntry.objects.exists()


def test_only_organisers_of_the_event_see_the_record(client, event):
    abstract = make_abstract(event, status="submitted")
    reviewer = User.objects.create_user("rita", "rita@example.org", "x")
    EventRole.objects.create(event=event, user=reviewer, role="reviewer")
    submitter = User.objects.create_user("sam", "sam@example.org", "x")

    assert client.get(record_url(event, abstract)).status_code == 302
    for person in (reviewer, submitter):
        client.force_login(person)
        assert client.get(record_url(event, abstract)).status_code == 403
    other_event = make_event(is_published=True)
    organiser = User.objects.create_user("olga", "olga@example.org", "x")
    EventRole.objects.create(event=other_event, user=organiser, role="organiser")
    client.force_login(organiser)
    assert client.get(record_url(other_event, abstract)).status_code == 404


def admin_post_data(page) -> dict:
    """What the admin's change form would post unchanged: the main form and every inline's rows."""

    def values(form) -> dict:
        data = {}
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = value.pk if hasattr(value, "pk") else value
        return data

    data = values(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data.update({management.add_prefix(k): v for k, v in management.initial.items()})
        for form in formset.initial_forms:
            data.update(values(form))
    return data


def test_submitting_withdrawing_and_admin_changes_are_in_the_trail(client, event, organiser):
    submitter = User.objects.create_user("sam", "sam@example.org", "x")
    abstract = make_abstract(event, status="draft", submitter=submitter, title="Sam's poster")
    from abstracts.services import abstract_withdraw

    Abstract = type(abstract)
    Abstract.objects.filter(pk=abstract.pk).update(status="submitted")  # as abstract_save would
    abstract_withdraw(abstract_id=abstract.pk, submitter=submitter)
    organiser.is_staff = True
    organiser.save()
    url = f"/admin/abstracts/abstract/{abstract.pk}/change/"
    data = admin_post_data(client.get(url))
    data.update({"status": "accepted", "code": "PS42"})

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    summaries = list(
        AuditEntry.objects.filter(abstract=abstract)
        .order_by("at", "pk")
        .values_list("summary", "actor_label")
    )
    assert summaries[0] == ("Status submitted → withdrawn (by its submitter)", "sam@example.org")
    assert set(summaries[1:]) == {
        ("Status withdrawn → accepted (in the admin)", "olga@example.org"),
        ("Code (none) → PS42 (in the admin)", "olga@example.org"),
    }
