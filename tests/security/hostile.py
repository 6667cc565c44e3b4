"""Hostile content for the security tests, and a check of HTML for anything it could have injected.

Every payload carries the mark ``pwn``: in a class, an id or the code it would run. A page that
shows a payload as text shows ``pwn`` as text; a page that let it through has an element, an
attribute or a script with ``pwn`` in it, which ``injected_markup`` finds.
"""

from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser

from django.contrib.auth.models import User
from django.utils import timezone

from abstracts.exchange import import_event
from abstracts.models import Abstract
from abstracts.services import abstract_save
from abstracts.submission import AuthorEntry, SubmissionContent
from conference.models import Event, EventRole
from programme.services import abstracts_decide, poster_code_set
from tests.factories import make_abstract, make_event, make_person, make_session

# Markup that runs script or changes the page if it is not escaped or sanitised.
PAYLOADS = (
    '<script>window.pwn = 1; alert("pwn")</script>',
    '<img class="pwn" src="x" onerror="alert(\'pwn\')">',
    '<svg class="pwn" onload="alert(\'pwn\')"><circle r="9"></circle></svg>',
    '<iframe class="pwn" src="javascript:alert(\'pwn\')"></iframe>',
    '<a class="pwn" href="javascript:alert(\'pwn\')">click</a>',
    "<style>.pwn-style { display: none } body { display: none }</style>",
    '<div class="pwn" style="position:fixed;inset:0;background:url(javascript:alert(\'pwn\'))">cover</div>',
    '"><img class="pwn" src=x onerror=alert("pwn")>',
    "' onmouseover='alert(\"pwn\")' data-pwn='",
    '<object class="pwn" data="javascript:alert(\'pwn\')"></object>',
    '<math><mtext><table><mglyph><style><img class="pwn" src=x onerror=alert("pwn")>',
    "javascript:alert('pwn')",
)
ATTACK = " ".join(PAYLOADS)

# Near misses: pass the rule "only <i>, <b>, <sup>, <sub> without attributes" as text, because
# they are not well-formed tags, and must still be inert where markup is allowed (title, text).
NEAR_MISSES = (
    "&lt;script&gt;alert('pwn')&lt;/script&gt;",
    "< script>alert('pwn')</ script>",
    "<!DOCTYPE pwn><?php echo 'pwn'; ?>",
    "<i>italic</i> javascript:alert('pwn')",
    'p < 0.05 and <img class="pwn" src=x onerror=alert("pwn")',  # no closing ">": last, so no tag
)
TITLE_NEAR_MISS = "Effects of CO<sub>2</sub> " + NEAR_MISSES[3] + " " + NEAR_MISSES[0]
TEXT_NEAR_MISS = "\n\n".join(NEAR_MISSES)

PASSWORD = "a long passphrase 9"
_DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "style", "frame", "frameset", "base"}


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        where = f"<{tag} {' '.join(f'{k}={v!r}' for k, v in attrs)}>"
        values = dict(attrs)
        if tag == "head":
            self.in_head = True
        if tag in _DANGEROUS_TAGS and not (
            tag == "script" and (values.get("src") or "").startswith("/static/")
        ):
            self.found.append(f"a <{tag}> element: {where}")
        if tag == "link" and not self.in_head:
            self.found.append(f"a <link> outside the head: {where}")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.found.append(f"an event handler attribute {name}: {where}")
            if name in {"href", "src", "action", "formaction", "data", "xlink:href"} and (
                value.strip().lower().startswith(("javascript:", "data:", "vbscript:"))
            ):
                self.found.append(f"a {value.split(':')[0]}: URL in {name}: {where}")
            if "pwn" in name or (name in {"class", "id", "style"} and "pwn" in value):
                self.found.append(f"a marked attribute {name}={value!r}: {where}")
            if name == "style" and "url(" in value.lower():
                self.found.append(f"a style with url(): {where}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.in_head = False


def injected_markup(html: str) -> list[str]:
    """Everything in ``html`` that a hostile field could have put there as markup."""
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    return scanner.found


@dataclass
class HostileWorld:
    event: Event
    organiser: User
    submitter: User
    via_service: Abstract  # saved through the web form's and the API's service: plain fields hostile
    via_admin: Abstract  # written to the database directly (as the admin can): title and text hostile too
    via_import: Abstract  # imported from an exchange file: plain fields hostile
    draft: Abstract  # the submitter's draft (its edit form is open), saved through the service
    admin_draft: Abstract  # a draft with hostile title and text, as the admin can write it


def hostile_exchange(slug: str = "hostile-meeting") -> dict:
    """An exchange file whose plain-text fields (names, affiliations, note, keywords, session) attack."""
    return {
        "event": {"name": "Hostile Meeting", "slug": slug, "start_date": "2026-03-05", "venue": ATTACK[:300]},
        "sessions": [{"title": "Security", "order": 1}],
        "abstracts": [
            {
                "code": "PS3",
                "session": "Security",
                "status": "accepted",
                "title": "Imported " + TITLE_NEAR_MISS,
                "authors": [
                    {
                        "first_name": PAYLOADS[1][:150],
                        "last_name": "Importer " + PAYLOADS[8],
                        "title": PAYLOADS[9][:60],
                        "affiliations": [1],
                        "presenting": True,
                    }
                ],
                "affiliations": [{"index": 1, "name": "Imported " + ATTACK[:480]}],
                "note": PAYLOADS[6][:500],
                "text": TEXT_NEAR_MISS,
                "keywords": [payload[:200] for payload in PAYLOADS[8:]],
            }
        ],
    }


def hostile_world(password: str = PASSWORD) -> HostileWorld:
    """A published event with an open call and two accepted, coded abstracts full of hostile content."""
    now = timezone.now()
    event = make_event(
        name="Hostile Meeting",
        slug="hostile-meeting",
        is_published=True,
        call_opens_at=now - timedelta(days=1),
        call_deadline=now + timedelta(days=10),
        word_limit=500,
    )
    session = make_session(event, "Security", 1)
    organiser = User.objects.create_user("olga@example.org", "olga@example.org", password)
    submitter = User.objects.create_user("sam@example.org", "sam@example.org", password)
    EventRole.objects.create(event=event, user=organiser, role="organiser")
    content = SubmissionContent(
        title=TITLE_NEAR_MISS,
        text=TEXT_NEAR_MISS,
        note=ATTACK[:500],
        preferred_session_id=session.pk,
        authors=(
            AuthorEntry(
                first_name=PAYLOADS[0],
                last_name="Zed " + ATTACK[:146],
                title=PAYLOADS[7][:60],
                affiliations=("Institute " + ATTACK[:480],),
                is_presenting=True,
            ),
        ),
        keywords=tuple(payload[:200] for payload in PAYLOADS[:8]),
    )
    via_service = abstract_save(event=event, submitter=submitter, content=content, submit=True)
    draft = abstract_save(event=event, submitter=submitter, content=content, submit=False)
    person = make_person(event, first_name=PAYLOADS[1], last_name="Adminson " + PAYLOADS[2])
    via_admin = make_abstract(
        event,
        title="Admin " + ATTACK[:480],
        text=ATTACK + "\n\n" + ATTACK,
        note=PAYLOADS[3],
        authors=[(person, [])],
        presenting=0,
        keywords=[PAYLOADS[4][:200]],
        status=Abstract.Status.SUBMITTED,
        submitter=submitter,
    )
    admin_draft = make_abstract(
        event,
        title="Draft " + ATTACK[:480],
        text=ATTACK,
        authors=[(make_person(event, last_name="Drafter " + PAYLOADS[5]), [])],
        status=Abstract.Status.DRAFT,
        submitter=submitter,
    )
    abstracts_decide(event=event, abstract_ids=[via_service.pk, via_admin.pk], status="accepted")
    poster_code_set(event=event, abstract_id=via_service.pk, code="PS1")
    poster_code_set(event=event, abstract_id=via_admin.pk, code="PS2")
    via_import = import_event(hostile_exchange(event.slug)).event.abstracts.get(code="PS3")
    for abstract in (via_service, via_admin, draft, admin_draft):
        abstract.refresh_from_db()
    return HostileWorld(
        event=Event.objects.get(pk=event.pk),
        organiser=organiser,
        submitter=submitter,
        via_service=via_service,
        via_admin=via_admin,
        via_import=via_import,
        draft=draft,
        admin_draft=admin_draft,
    )


def pages_of(world: HostileWorld) -> dict[str, tuple[str | None, str]]:
    """Every page that shows the hostile abstracts: name → (who is logged in, path)."""
    slug = world.event.slug
    service, admin, imported = world.via_service.pk, world.via_admin.pk, world.via_import.pk
    return {
        "abstract page": (None, f"/events/{slug}/abstracts/{service}/"),
        "abstract page (admin-written)": (None, f"/events/{slug}/abstracts/{admin}/"),
        "abstract page (imported)": (None, f"/events/{slug}/abstracts/{imported}/"),
        "event page": (None, f"/events/{slug}/"),
        "author index": (None, f"/events/{slug}/authors/"),
        "keyword index": (None, f"/events/{slug}/keywords/"),
        "HTML book": (None, f"/events/{slug}/book/"),
        "my abstracts": ("submitter", "/my/abstracts/"),
        "edit form": ("submitter", f"/events/{slug}/abstracts/{world.draft.pk}/edit/"),
        "edit form (admin-written)": ("submitter", f"/events/{slug}/abstracts/{world.admin_draft.pk}/edit/"),
        "board": ("organiser", f"/events/{slug}/board/"),
        "board record": ("organiser", f"/events/{slug}/board/abstracts/{admin}/"),
    }
