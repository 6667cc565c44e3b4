import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from abstracts.models import Abstract
from conference.management.commands import load_demo


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
