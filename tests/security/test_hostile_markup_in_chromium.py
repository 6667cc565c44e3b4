"""The hostile abstracts (tests/security/hostile.py) in real headless Chromium: on every page that shows
them, and in the form's preview, no dialog opens, no script of theirs runs and none of their elements or
handlers is in the document."""

import pytest

from indexes.services import index_rebuild
from tests.conftest import ARTIFACTS
from tests.security.hostile import PASSWORD, PAYLOADS, hostile_world, pages_of

# What a payload would leave in the document had it got through; all of it must be absent.
INJECTED = """() => ({
  ran: window.pwn !== undefined,
  marked: document.querySelectorAll(
    '.pwn, [data-pwn], iframe, object, embed, math, main svg, main style').length,
  handlers: [...document.querySelectorAll('*')]
    .flatMap(element => [...element.attributes].filter(a => a.name.startsWith('on')).map(a => a.name)),
  scriptUrls: document.querySelectorAll('[href^="javascript:" i], [src^="javascript:" i]').length,
  inlineScripts: [...document.scripts].filter(script => !script.src).length,
  hidden: getComputedStyle(document.body).display === 'none',
})"""
CLEAN = {"ran": False, "marked": 0, "handlers": [], "scriptUrls": 0, "inlineScripts": 0, "hidden": False}


@pytest.fixture
def world_live(transactional_db):
    world = hostile_world()
    index_rebuild(event_id=world.event.pk, force=True)
    return world


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")


@pytest.mark.browser
def test_no_hostile_field_runs_or_injects_anything_on_any_page(web_server, browser, world_live):
    emails = {"submitter": world_live.submitter.email, "organiser": world_live.organiser.email}
    dialogs: list[str] = []
    errors: list[str] = []
    contexts = {}
    try:
        for name, (role, path) in pages_of(world_live).items():
            if role not in contexts:
                contexts[role] = browser.new_context(viewport={"width": 1280, "height": 900})
                if role:
                    log_in(contexts[role].new_page(), web_server, emails[role])
            page = contexts[role].new_page()
            page.on(
                "dialog",
                lambda dialog, name=name: (dialogs.append(f"{name}: {dialog.message}"), dialog.dismiss()),
            )
            page.on("pageerror", lambda error, name=name: errors.append(f"{name}: {error}"))
            response = page.goto(f"{web_server}{path}")
            page.wait_for_load_state("networkidle")
            assert response.status == 200, name
            # A mouse-over handler would fire here, had one got through.
            page.mouse.move(10, 10)
            page.mouse.move(640, 450)
            assert page.evaluate(INJECTED) == CLEAN, name
            assert "pwn" in page.locator("main").inner_text(), f"{name} shows none of the hostile content"
            page.screenshot(path=str(ARTIFACTS / f"hostile-{name.replace(' ', '-')}.png"), full_page=True)
            page.close()

        # The form's preview lays the typed content out as the book does, on the page.
        page = contexts["submitter"].new_page()
        page.on("dialog", lambda dialog: (dialogs.append(f"preview: {dialog.message}"), dialog.dismiss()))
        page.goto(f"{web_server}/events/{world_live.event.slug}/abstracts/{world_live.draft.pk}/edit/")
        page.locator("#id_abstract-note").fill(PAYLOADS[1])
        page.get_by_role("button", name="Preview").click()
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(ARTIFACTS / "hostile-preview.png"), full_page=True)
        assert page.locator(".preview .abstract-note").inner_text(timeout=5000) == PAYLOADS[1], page.locator(
            "main"
        ).inner_text()[:3000]
        assert page.evaluate(INJECTED) == CLEAN
    finally:
        for context in contexts.values():
            context.close()
    assert dialogs == []
    assert errors == []
