import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from abstracts.models import Abstract
from conference.management.commands import load_demo
from conference.models import Event


@pytest.fixture
def password_file(tmp_path, monkeypatch):
    path = tmp_path / "demo-admin-password.txt"
    monkeypatch.setattr(load_demo, "PASSWORD_FILE", path)
    return path


@pytest.mark.django_db
def test_load_demo_imports_the_conference_once_and_prints_a_working_admin_login(password_file, capsys):
    call_command("load_demo")
    call_command("load_demo")

    output = capsys.readouterr().out
    password = password_file.read_text().strip()
    assert output.count("46 abstracts created") == 1
    assert output.count(f"Admin login: admin / {password}") == 2
    assert Abstract.objects.filter(event__slug="helmholtz-ai-kick-off-2020").count() == 46
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser
    assert admin.check_password(password)
    assert oct(password_file.stat().st_mode & 0o777) == "0o600"


@pytest.mark.django_db
def test_load_demo_adds_an_event_whose_call_is_open_to_try_the_form_on(password_file, client):
    call_command("load_demo")
    call_command("load_demo")

    event = Event.objects.get(slug="demo-open-call")
    assert event.call_is_open()
    assert list(event.sessions.values_list("title", flat=True)) == [
        "Biomedicine",
        "Earth and environment",
        "Methods and tools",
    ]
    assert "Submit an abstract" in client.get("/events/demo-open-call/").content.decode()
