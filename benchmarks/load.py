"""A deadline rush on one small server: submitters sign in, save a draft, edit and submit while readers browse.

Sets up a PostgreSQL database of its own (created if missing, migrated): a published event with an open
call, its accepted abstracts for readers and the submitters' accounts; starts gunicorn and a Celery worker
on loopback (Redis for the broker and the cache); then drives them from separate load processes:
    .venv/bin/python benchmarks/load.py [--submitters 200] [--readers 20] [--duration 300]
Each simulated submitter arrives at a time drawn from a ramp (more of them toward the end, like a deadline),
opens the log-in page, logs in (CSRF token from the page), opens the submission form, saves a draft
(2 to 6 authors with affiliations, keywords, 150 to 280 words), opens the edit form, saves an edit and
submits. Readers loop over the event page, abstract pages, the author and keyword indexes and the API
(list and detail) until the last submitter is done.
Prints per request kind: count, throughput, p50/p95/p99 latency and errors (with the first error bodies),
the same over time, the CPU the server and the clients used, then checks in the database that every
submission that got a success answer is there as last sent (title, text, authors in order with their
affiliations, keywords, session, status) and prints "lost submissions: N"; exits 1 if any is lost or differs.
gunicorn runs 4 sync workers by default (--workers): two per core of a 2-core server, so one waits on
PostgreSQL while the other computes; each keeps one database connection. The API throttles are raised
(one client address for everyone is an artefact of loopback); the log-in limits count failures only and
stay as they are. Logs, e-mails and the raw figures (requests.json) go to var/load-test/<time>/.
"""

import argparse
import html
import json
import math
import multiprocessing
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from datetime import timedelta
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/abstractbook_load")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/10")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/11")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conference.settings")

ROOT = Path(__file__).resolve().parent.parent
EVENT_SLUG = "load-test"
PASSWORD = "a long load-test passphrase"  # noqa: S105 - the simulated submitters' shared password
USER_EMAIL = "load-submitter-{n}@example.org"
REQUEST_TIMEOUT = 60  # seconds a client waits for one answer (gunicorn's worker timeout is 30)
# Every simulated user comes from 127.0.0.1: per-address limits would throttle "everyone" at once,
# which is an artefact of the loopback test, so the rates are raised for the server under test.
SERVER_ENV = {
    "API_THROTTLE_ANON": "1000000/minute",
    "API_THROTTLE_USER": "1000000/minute",
    "API_THROTTLE_TOKEN": "1000000/minute",
}

# --- Content a submitter types ---------------------------------------------------------------------------

INSTITUTES = [
    "Forschungszentrum Jülich",
    "Helmholtz Munich",
    "Karlsruhe Institute of Technology",
    "Deutsches Elektronen-Synchrotron DESY",
    "Helmholtz-Zentrum Dresden-Rossendorf",
    "German Cancer Research Center (DKFZ)",
    "Max Delbrück Center for Molecular Medicine",
    "Alfred Wegener Institute, Bremerhaven",
    "GEOMAR Helmholtz Centre for Ocean Research Kiel",
    "Helmholtz Centre for Environmental Research – UFZ",
    "University of Bonn",
    "Université de Lyon",
    "ETH Zürich",
    "Universitat de Barcelona",
    "Uniwersytet Warszawski",
    "Charles University, Prague",
    "University of Copenhagen",
    "Technische Universität München",
    "RWTH Aachen University",
    "Heidelberg University",
    "Universidade de São Paulo",
    "University of Tokyo",
    "Københavns Universitet, Niels Bohr Institutet",
    "Instituto de Física Corpuscular (IFIC), Valencia",
]
KEYWORDS = [
    "deep learning",
    "machine learning",
    "image segmentation",
    "remote sensing",
    "climate modelling",
    "single-cell RNA-seq",
    "graph neural networks",
    "uncertainty quantification",
    "Bayesian inference",
    "reinforcement learning",
    "explainable AI",
    "federated learning",
    "protein structure",
    "medical imaging",
    "time series",
    "anomaly detection",
    "transfer learning",
    "generative models",
    "Ökologie",
    "X-ray tomography",
    "particle physics",
    "ocean biogeochemistry",
    "CO2 fluxes",
    "high-performance computing",
    "active learning",
    "surrogate models",
    "natural language processing",
    "microscopy",
    "genomics",
    "battery materials",
]
GIVEN = [
    "Anna",
    "Jörg",
    "Eva",
    "Tomáš",
    "Li",
    "María",
    "John",
    "Ewa",
    "Luca",
    "Claire",
    "Karel J.",
    "Øystein",
]
SURNAMES = ["Müller", "Götz", "van der Weg", "Bačák", "Schmidt", "Łukasiewicz", "Østergaard", "Nguyen"]
SURNAMES += ["García", "Smith", "Kowalski", "Rossi", "Dubois", "Hrabě de Angelis", "zu Castell", "Yılmaz"]
TITLES = ["", "", "Dr.", "Prof. Dr.", "Dr. rer. nat."]
TOPICS = ["Arabidopsis", "North Atlantic", "glioblastoma", "Li-ion cathodes", "Antarctic sea ice", "LHC jets"]
METHODS = [
    "convolutional networks",
    "transformers",
    "Gaussian processes",
    "random forests",
    "diffusion models",
]
SENTENCES = [
    "We apply {m} to {t} data collected over {n} years at {k} sites.",
    "The model reaches an accuracy of {p} % on a held-out test set of {n}<sup>3</sup> samples.",
    "Compared with the baseline, the error drops by {p} %, at a tenth of the computing cost.",
    "Our pipeline runs on the <i>JUWELS Booster</i> with {k} GPUs and scales almost linearly.",
    "Measured CO<sub>2</sub> concentrations were compared with the predictions at {k} stations.",
    "Uncertainties are estimated with an ensemble of {k} members trained from different seeds.",
    "The data set of {t} is published together with the code under an open licence.",
    "Residuals show a clear seasonal cycle, which we attribute to <b>sampling bias</b> in winter.",
    "Labels were checked by two experts; their agreement was κ = 0.{k}, which bounds the achievable score.",
    "Finally, we discuss what {m} can and cannot tell us about {t}, and which experiments would settle it.",
]
# Co-authors who appear on many abstracts, always typed with the same name and e-mail address; the first
# half are already in the event (authors of accepted abstracts), the others are created by the submissions.
COAUTHORS = [
    (
        GIVEN[n % len(GIVEN)],
        f"{SURNAMES[n % len(SURNAMES)]}-{n}",
        TITLES[n % len(TITLES)],
        f"coauthor{n}@lab.example",
    )
    for n in range(120)
]


def _sentence(rng: random.Random) -> str:
    return rng.choice(SENTENCES).format(
        m=rng.choice(METHODS),
        t=rng.choice(TOPICS),
        n=rng.randint(3, 40),
        k=rng.randint(2, 99),
        p=rng.randint(5, 60),
    )


def _text(rng: random.Random, words: int) -> list[str]:
    """Paragraphs of about ``words`` words in all."""
    paragraphs, count = [[]], 0
    while count < words:
        sentence = _sentence(rng)
        paragraphs[-1].append(sentence)
        count += len(sentence.split())
        if len(paragraphs[-1]) >= rng.randint(3, 6) and count < words - 20:
            paragraphs.append([])
    return [" ".join(paragraph) for paragraph in paragraphs]


def make_content(rng: random.Random, n: int, email: str, sessions: list[int]) -> dict:
    """A draft as a submitter types it: authors (the submitter first, presenting), affiliations, keywords."""
    first_name, last_name = rng.choice(GIVEN), f"{rng.choice(SURNAMES)} {n}"
    authors = [
        {
            "first_name": first_name,
            "last_name": last_name,
            "title": rng.choice(TITLES),
            "email": email,
            "affiliations": [],
        }
    ]
    for coauthor in rng.sample(COAUTHORS, rng.randint(1, 5)):
        if rng.random() < 0.6:
            first, last, title, mail = coauthor
        else:  # someone typed without an e-mail address: a new person each time
            first, last, title, mail = (
                rng.choice(GIVEN),
                f"{rng.choice(SURNAMES)}-{n}-{rng.randint(0, 999)}",
                "",
                "",
            )
        authors.append(
            {"first_name": first, "last_name": last, "title": title, "email": mail, "affiliations": []}
        )
    affiliations = rng.sample(INSTITUTES, rng.randint(1, 4))
    if rng.random() < 0.2:  # a lab of its own
        affiliations.append(f"Junior Research Group {n}, {rng.choice(INSTITUTES)}")
    for index, author in enumerate(authors):
        ticks = {index % len(affiliations)}
        if rng.random() < 0.25:
            ticks.add(rng.randrange(len(affiliations)))
        author["affiliations"] = sorted(ticks)
    for index in range(len(affiliations)):  # every affiliation typed is ticked for someone
        if not any(index in author["affiliations"] for author in authors):
            carrier = rng.choice(authors)
            carrier["affiliations"] = sorted({*carrier["affiliations"], index})
    keywords = rng.sample(KEYWORDS, rng.randint(2, 5))
    if rng.random() < 0.3:
        keywords.append(f"topic {n}")
    return {
        "title": f"{rng.choice(METHODS).capitalize()} for <i>{rng.choice(TOPICS)}</i>: study {n}",
        "paragraphs": _text(rng, rng.randint(150, 250)),
        "note": rng.choice(["", "", "On behalf of the Helmholtz AI consortium"]),
        "session": rng.choice(sessions),
        "affiliations": affiliations,
        "authors": authors,
        "order": list(range(len(authors))),  # row indices in author order
        "presenting": 0,
        "keywords": keywords,
    }


def edit_content(rng: random.Random, content: dict) -> dict:
    """What a submitter changes on the edit form: author order, one keyword, the text, the title."""
    edited = {**content, "order": list(content["order"]), "keywords": list(content["keywords"])}
    if len(edited["order"]) > 2:
        i, j = rng.sample(range(1, len(edited["order"])), 2)
        edited["order"][i], edited["order"][j] = edited["order"][j], edited["order"][i]
    replacement = rng.choice([k for k in KEYWORDS if k not in edited["keywords"]])
    edited["keywords"][rng.randrange(len(edited["keywords"]))] = replacement
    edited["paragraphs"] = [*content["paragraphs"][:-1], content["paragraphs"][-1] + " " + _sentence(rng)]
    edited["title"] = content["title"].replace("study", "a study", 1)
    return edited


def form_fields(content: dict, action: str, csrf: str, initial: dict[str, int]) -> list[tuple[str, str]]:
    """The POST of the submission form as a browser sends it (no JavaScript: positions typed as numbers)."""
    authors = content["authors"]
    data = [
        ("csrfmiddlewaretoken", csrf),
        ("abstract-title", content["title"]),
        ("abstract-text", "\r\n\r\n".join(content["paragraphs"])),
        ("abstract-note", content["note"]),
        ("abstract-preferred_session", str(content["session"])),
    ]
    for prefix, total in (
        ("affiliation", len(content["affiliations"])),
        ("author", len(authors)),
        ("keyword", len(content["keywords"])),
    ):
        data += [
            (f"{prefix}-TOTAL_FORMS", str(total)),
            (f"{prefix}-INITIAL_FORMS", str(min(initial.get(prefix, 0), total))),
            (f"{prefix}-MIN_NUM_FORMS", "0"),
            (f"{prefix}-MAX_NUM_FORMS", "1000"),
        ]
    data += [(f"affiliation-{i}-name", name) for i, name in enumerate(content["affiliations"])]
    position = {row: place for place, row in enumerate(content["order"], 1)}
    for row, author in enumerate(authors):
        data += [
            (f"author-{row}-{name}", author[name]) for name in ("first_name", "last_name", "title", "email")
        ]
        data += [(f"author-{row}-orcid", ""), (f"author-{row}-ORDER", str(position[row]))]
        data += [(f"author-{row}-affiliations", str(i)) for i in author["affiliations"]]
    data += [(f"keyword-{i}-label", label) for i, label in enumerate(content["keywords"])]
    data += [("presenting", str(content["presenting"])), ("action", action)]
    return data


def expected_record(content: dict, status: str) -> dict:
    """What the database must hold after ``content`` was saved with success (the form's print order)."""
    authors = []
    for row in content["order"]:
        author = content["authors"][row]
        authors.append(
            (
                author["first_name"],
                author["last_name"],
                author["title"],
                author["email"],
                tuple(content["affiliations"][i] for i in author["affiliations"]),
                row == content["presenting"],
            )
        )
    return {
        "title": content["title"],
        "text": "\n\n".join(content["paragraphs"]),
        "note": content["note"],
        "session": content["session"],
        "status": status,
        "authors": tuple(authors),
        "keywords": tuple(content["keywords"]),
    }


# --- The load processes ----------------------------------------------------------------------------------


class Browser:
    """One user's cookies over plain HTTP/1.1, a new connection per request (gunicorn's sync workers close
    it after each answer); redirects are not followed, the flows do what a browser would."""

    def __init__(self, host: str, port: int, log: list, t0: float) -> None:
        self.host, self.port, self.log, self.t0 = host, port, log, t0
        self.cookies: dict[str, str] = {}

    def request(self, kind: str, method: str, path: str, fields=None, expect=(200,)):
        """Returns (status, location, body); logs (kind, start, seconds, status, problem)."""
        headers = {"Accept": "text/html,application/json", "User-Agent": "abstractbook-load-test"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{self.host}:{self.port}{path}"
        started = time.time()
        try:
            connection = HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT)
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
            connection.close()
        except Exception as error:  # a reset, a refused connection or a timeout: the user saw no answer
            self.log.append(
                (kind, started - self.t0, time.time() - started, 0, f"{type(error).__name__}: {error}")
            )
            return 0, "", b""
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.coded_value
        problem = "" if response.status in expect else _summary(response.status, content)
        self.log.append((kind, started - self.t0, time.time() - started, response.status, problem))
        return response.status, response.headers.get("Location", ""), content


def _summary(status: int, content: bytes) -> str:
    """The part of an error page that says what went wrong: its alerts and error lists, else its title."""
    page = content.decode("utf-8", "replace")
    found = re.findall(r'role="alert"[^>]*>(.*?)</(?:div|ul|p)>', page, re.S)
    found += re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', page, re.S)
    if not found:
        found = re.findall(r"<title>(.*?)</title>", page, re.S) or [page[:200]]
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", part)) for part in found)
    return f"{status}: {' '.join(text.split())[:200]}"


def _csrf(page: bytes) -> str:
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    return match.group(1).decode() if match else ""


def _initial_forms(page: bytes) -> dict[str, int]:
    return {
        prefix.decode(): int(value)
        for prefix, value in re.findall(rb'name="(\w+)-INITIAL_FORMS" value="(\d+)"', page)
    }


class StopFlag:
    """The driver's "stop" to its client processes: one shared integer, no lock, so a client killed at any
    moment cannot leave the driver waiting on a lock it held (as a multiprocessing Event or Queue can)."""

    def __init__(self, context) -> None:
        self.value = context.RawValue("i", 0)

    def set(self) -> None:
        self.value.value = 1

    def is_set(self) -> bool:
        return self.value.value == 1

    def wait(self, seconds: float) -> None:
        deadline = time.time() + seconds
        while not self.is_set() and time.time() < deadline:
            time.sleep(min(0.2, max(0.0, deadline - time.time())))


def _write_atomically(path: Path, data) -> None:
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(data))
    os.replace(partial, path)


def submitter(
    plan: dict, base: tuple[str, int], t0: float, options: dict, stop, log: list, outcomes: list
) -> None:
    """One scientist's visit: log in, draft, edit, submit. Stops at the first step that fails, as a
    person would stop to read the error; records what was last saved with a success answer."""
    rng = random.Random(plan["n"])
    outcome = {
        "n": plan["n"],
        "email": plan["email"],
        "pk": None,
        "expected": None,
        "uncertain": [],
        "done": "",
    }
    outcomes.append(outcome)
    stop.wait(max(0.0, t0 + plan["arrival"] - time.time()))
    if stop.is_set() or time.time() > options["hard_deadline"]:
        outcome["done"] = "not started (stopped or hard time limit)"
        return
    browser = Browser(*base, log, t0)
    slug = options["slug"]
    form_url = f"/events/{slug}/submit/"

    def think() -> None:
        stop.wait(rng.uniform(0.3, 2 * options["think"]))

    def post_content(kind: str, path: str, content: dict, action: str, page: bytes, expect_location: str):
        status, location, _ = browser.request(
            kind, "POST", path, form_fields(content, action, _csrf(page), _initial_forms(page)), expect=(302,)
        )
        after = "submitted" if action == "submit" else "draft"
        if status == 302 and expect_location in location:
            outcome["expected"], outcome["uncertain"] = expected_record(content, after), []
            return location
        if status == 0 or status >= 500:  # no clear answer: it may or may not have been stored
            outcome["uncertain"].append(expected_record(content, after))
        if status == 302:
            browser.log[-1] = (*browser.log[-1][:4], f"302 to {location}, expected {expect_location}")
        return None

    status, _, page = browser.request("login page", "GET", f"/accounts/login/?next={form_url}")
    if status != 200:
        outcome["done"] = "stopped at the log-in page"
        return
    fields = [("csrfmiddlewaretoken", _csrf(page)), ("username", plan["email"])]
    fields += [("password", PASSWORD), ("next", form_url)]
    status, location, _ = browser.request("log in", "POST", "/accounts/login/", fields, expect=(302,))
    if status != 302 or not location.endswith(form_url):
        outcome["done"] = "stopped at log in"
        return
    status, _, page = browser.request("submission form", "GET", form_url)
    if status != 200:
        outcome["done"] = "stopped at the submission form"
        return
    think()
    draft = plan["content"]
    location = post_content("save draft", form_url, draft, "save", page, f"/events/{slug}/abstracts/")
    match = re.search(r"/abstracts/(\d+)/edit/$", location or "")
    if not match:
        outcome["done"] = "stopped at saving the draft"
        return
    outcome["pk"] = int(match.group(1))
    edit_url = f"/events/{slug}/abstracts/{outcome['pk']}/edit/"
    status, _, page = browser.request("edit form", "GET", edit_url)
    if status != 200 or html.escape(draft["title"]).encode() not in page:
        if status == 200:
            browser.log[-1] = (*browser.log[-1][:4], "200 but the edit form does not show the saved title")
        outcome["done"] = "stopped at the edit form"
        return
    think()
    edited = edit_content(rng, draft)
    if not post_content("save edit", edit_url, edited, "save", page, edit_url):
        outcome["done"] = "stopped at saving the edit"
        return
    status, _, page = browser.request("edit form", "GET", edit_url)
    if status != 200:
        outcome["done"] = "stopped at the edit form after saving"
        return
    think()
    detail_url = f"/events/{slug}/abstracts/{outcome['pk']}/"
    if not post_content("submit", edit_url, edited, "submit", page, detail_url):
        outcome["done"] = "stopped at submitting"
        return
    status, _, page = browser.request("own abstract page", "GET", detail_url)
    outcome["done"] = "submitted"


def reader(n: int, base: tuple[str, int], t0: float, options: dict, stop, log: list) -> None:
    """Someone browsing the programme, the indexes and the API until the submitters are done."""
    rng = random.Random(10_000 + n)
    slug, ids = options["slug"], options["accepted_ids"]
    pages = max(1, math.ceil(len(ids) / 25))
    kinds = [
        ("event page", 2, lambda: f"/events/{slug}/"),
        ("abstract page", 4, lambda: f"/events/{slug}/abstracts/{rng.choice(ids)}/"),
        ("author index", 1, lambda: f"/events/{slug}/authors/"),
        ("keyword index", 1, lambda: f"/events/{slug}/keywords/"),
        ("API abstract list", 2, lambda: f"/api/v1/abstracts/?event={slug}&page={rng.randint(1, pages)}"),
        ("API abstract detail", 3, lambda: f"/api/v1/abstracts/{rng.choice(ids)}/"),
    ]
    weights = [weight for _, weight, _ in kinds]
    browser = Browser(*base, log, t0)
    while not stop.is_set() and time.time() < options["hard_deadline"]:
        kind, _, path = rng.choices(kinds, weights)[0]
        browser.request(kind, "GET", path())
        stop.wait(rng.expovariate(1 / options["reader_pause"]) if options["reader_pause"] > 0 else 0)


def load_process(index: int, role: str, work: list, base, t0: float, options: dict, stop: StopFlag) -> None:
    """A separate client process: one thread per submitter (or reader); writes its progress every 10 s and
    its whole log when its threads are done, as files in ``options["exchange"]``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver decides when to stop
    log: list = []
    outcomes: list = []
    if role == "submitters":
        threads = [
            threading.Thread(
                target=submitter, args=(plan, base, t0, options, stop, log, outcomes), daemon=True
            )
            for plan in work
        ]
    else:
        threads = [
            threading.Thread(target=reader, args=(n, base, t0, options, stop, log), daemon=True) for n in work
        ]
    for thread in threads:
        thread.start()
    next_report = time.time() + 10
    stopped_at = time.time()
    while any(thread.is_alive() for thread in threads):
        time.sleep(0.5)
        if time.time() > next_report:
            entries = list(log)
            finished = sum(1 for outcome in list(outcomes) if outcome["done"])
            progress = [len(entries), sum(1 for e in entries if e[4]), finished]
            _write_atomically(Path(options["exchange"]) / f"progress-{index}.json", progress)
            next_report += 10
        if time.time() > options["hard_deadline"] + REQUEST_TIMEOUT + 5 or (
            role == "submitters" and stop.is_set() and time.time() > stopped_at + 5
        ):
            break  # threads still waiting for an answer are abandoned (daemons); see the report
        if not stop.is_set():
            stopped_at = time.time()
    report = {"log": list(log), "outcomes": [dict(o) for o in outcomes], "cpu": time.process_time()}
    _write_atomically(Path(options["exchange"]) / f"done-{index}.json", report)


# --- Set-up ------------------------------------------------------------------------------------------------


def prepare(submitters: int, accepted: int) -> dict:
    """The event with an open call and sessions, its accepted abstracts (the co-authors' first half among
    their authors, the institutes and keywords the submitters use) with indexes built, and the accounts."""
    from django.contrib.auth import authenticate
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.contrib.sessions.models import Session as LoginSession
    from django.utils import timezone

    from abstracts.models import Abstract, Affiliation, Keyword, Person
    from abstracts.text import text_key
    from benchmarks.indexes import link_authors_and_keywords
    from conference.codes import code_sort_key
    from conference.models import Event, Session
    from indexes.services import index_rebuild

    rng = random.Random(1)
    Event.objects.filter(slug=EVENT_SLUG).delete()
    User.objects.filter(username__startswith="load-submitter-").delete()
    LoginSession.objects.all().delete()
    now = timezone.now()
    event = Event.objects.create(
        name="Load Test Symposium (call for abstracts open)",
        slug=EVENT_SLUG,
        start_date=(now + timedelta(days=90)).date(),
        is_published=True,
        call_opens_at=now - timedelta(days=30),
        call_deadline=now + timedelta(days=1),
        word_limit=300,
    )
    sessions = [
        Session.objects.create(event=event, title=title, order=order)
        for order, title in enumerate(["Biomedicine", "Earth and environment", "Methods and tools"], 1)
    ]
    people = [
        Person(event=event, first_name=first, last_name=last, title=title, email=email)
        for first, last, title, email in COAUTHORS[: len(COAUTHORS) // 2]
    ]
    people += [
        Person(event=event, first_name=rng.choice(GIVEN), last_name=f"{rng.choice(SURNAMES)} {n}")
        for n in range(accepted)
    ]
    for person in people:
        person.name_key = text_key(f"{person.first_name} {person.last_name}")
    people = Person.objects.bulk_create(people)
    affiliations = Affiliation.objects.bulk_create(
        Affiliation(event=event, name=name, key=text_key(name)) for name in INSTITUTES
    )
    keywords = Keyword.objects.bulk_create(
        Keyword(event=event, label=label, key=text_key(label)) for label in KEYWORDS
    )
    abstracts = Abstract.objects.bulk_create(
        Abstract(
            event=event,
            session=sessions[n % len(sessions)],
            code=f"PS-{n:03d}",
            code_sort=code_sort_key(f"PS-{n:03d}"),
            order=n,
            title=f"{rng.choice(METHODS).capitalize()} for <i>{rng.choice(TOPICS)}</i> ({n})",
            text="\n\n".join(_text(rng, rng.randint(150, 280))),
            status=Abstract.Status.ACCEPTED,
        )
        for n in range(1, accepted + 1)
    )
    link_authors_and_keywords(
        abstracts, people, affiliations, keywords, rng, authors=(2, 6), keywords_per_abstract=(2, 5)
    )
    index_rebuild(event_id=event.pk, force=True)

    # One hash for all: the app checks each log-in with its real (slow) hasher, set-up hashes once.
    encoded = make_password(PASSWORD)
    User.objects.bulk_create(
        User(username=USER_EMAIL.format(n=n), email=USER_EMAIL.format(n=n), password=encoded)
        for n in range(submitters)
    )
    if authenticate(None, username=USER_EMAIL.format(n=0), password=PASSWORD) is None:
        raise SystemExit("the submitters' accounts do not log in")
    return {
        "event_id": event.pk,
        "sessions": [session.pk for session in sessions],
        "accepted_ids": [abstract.pk for abstract in abstracts],
    }


def arrivals(count: int, window: float, rng: random.Random) -> list[float]:
    """Arrival times in [0, window]: 30 % spread evenly, 70 % on a ramp (density growing linearly),
    so the last fifth of the window gets about a third of the submitters, like the hours before a deadline."""
    times = [window * (math.sqrt(rng.random()) if rng.random() < 0.7 else rng.random()) for _ in range(count)]
    return sorted(times)


# --- The servers ---------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(mail_dir: Path) -> dict:
    env = {
        **os.environ,
        **SERVER_ENV,
        "DEBUG": "0",
        "SECURE_COOKIES": "0",  # plain HTTP on loopback
        "DATABASE_CONN_MAX_AGE": "60",  # as in production: a connection per worker process, kept
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    env.pop("CELERY_TASK_DEFAULT_QUEUE", None)
    return env


def start_gunicorn(workers: int, env: dict, log_path: Path) -> tuple[subprocess.Popen, tuple[str, int]]:
    import urllib.request

    port = _free_port()
    command = [sys.executable, "-m", "gunicorn", "conference.wsgi", "-b", f"127.0.0.1:{port}"]
    command += ["-w", str(workers), "--timeout", "30", "--log-level", "warning"]
    with open(log_path, "ab") as log:
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=5):
                return server, ("127.0.0.1", port)
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                stop_process(server, "gunicorn")
                raise SystemExit(f"gunicorn did not start; see {log_path}") from None
            time.sleep(0.3)


def start_worker(env: dict, log_path: Path) -> subprocess.Popen:
    from conference.tasks import ping

    command = [sys.executable, "-m", "celery", "-A", "conference", "worker", "--loglevel=INFO"]
    command += ["--concurrency=1", "--without-gossip", "--without-mingle", "-n", f"load-{os.getpid()}@%h"]
    with open(log_path, "ab") as log:
        worker = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        answered = ping.apply_async(expires=60).get(timeout=60) == "pong"
    except Exception:  # timed out or lost: not answering either way
        answered = False
    if answered:
        return worker
    stop_process(worker, "celery worker")
    raise SystemExit(f"the Celery worker did not answer; see {log_path}")


def stop_process(process: subprocess.Popen | None, name: str, seconds: float = 30) -> None:
    """SIGTERM to the process group we started (gunicorn's or celery's workers too), SIGKILL if it lingers."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        print(f"{name} did not stop in {seconds:.0f} s; killed")
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


def warm_up(base: tuple[str, int], setup: dict, workers: int) -> None:
    """Each gunicorn worker loads its code and templates on its first requests: not part of the figures."""
    paths = [f"/events/{EVENT_SLUG}/", f"/events/{EVENT_SLUG}/abstracts/{setup['accepted_ids'][0]}/"]
    paths += [f"/events/{EVENT_SLUG}/authors/", f"/events/{EVENT_SLUG}/keywords/", "/accounts/login/"]
    paths += [f"/api/v1/abstracts/?event={EVENT_SLUG}", f"/api/v1/abstracts/{setup['accepted_ids'][0]}/"]
    browser = Browser(*base, [], time.time())
    for _ in range(2 * workers):
        for path in paths:
            browser.request("warm-up", "GET", path)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its direct children (gunicorn's or celery's workers)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(entry) == pid or int(fields[1]) == pid:  # fields[1] is the parent's pid
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def database_connections() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


# --- The report ----------------------------------------------------------------------------------------------

SUBMITTER_KINDS = [
    "login page",
    "log in",
    "submission form",
    "save draft",
    "edit form",
    "save edit",
    "submit",
]
SUBMITTER_KINDS += ["own abstract page"]
READER_KINDS = ["event page", "abstract page", "author index", "keyword index", "API abstract list"]
READER_KINDS += ["API abstract detail"]
WRITES = {"log in", "save draft", "save edit", "submit"}


def percentile(ordered: list[float], fraction: float) -> str:
    """Nearest rank, in milliseconds."""
    if not ordered:
        return "-"
    return f"{1000 * ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]:.0f}"


def print_figures(log: list, elapsed: float, bucket: float, arrival_times: list[float]) -> None:
    by_kind = defaultdict(list)
    for entry in log:
        by_kind[entry[0]].append(entry)
    head = (
        f"{'request':<22} {'count':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
    )
    print(head)
    print("-" * len(head))
    for kind in [*SUBMITTER_KINDS, *READER_KINDS, "all requests"]:
        entries = log if kind == "all requests" else by_kind.get(kind, [])
        if not entries:
            continue
        if kind == "all requests":
            print("-" * len(head))
        latencies = sorted(entry[2] for entry in entries)
        errors = sum(1 for entry in entries if entry[4])
        print(
            f"{kind:<22} {len(entries):>6} {len(entries) / elapsed:>7.2f} {percentile(latencies, 0.5):>8} "
            f"{percentile(latencies, 0.95):>8} {percentile(latencies, 0.99):>8} {errors:>7}"
        )
    print(f"\nover time ({bucket:.0f} s buckets; writes = log in, save draft, save edit, submit):")
    print(
        f"{'from s':>6} {'arrivals':>8} {'requests':>8} {'req/s':>6} {'p95 ms':>7} {'writes p95':>10} {'errors':>6}"
    )
    for start in range(0, math.ceil(elapsed / bucket)):
        low, high = start * bucket, (start + 1) * bucket
        entries = [entry for entry in log if low <= entry[1] < high]
        if not entries and not any(low <= t < high for t in arrival_times):
            continue
        writes = sorted(entry[2] for entry in entries if entry[0] in WRITES)
        print(
            f"{low:>6.0f} {sum(1 for t in arrival_times if low <= t < high):>8} {len(entries):>8} "
            f"{len(entries) / bucket:>6.1f} {percentile(sorted(e[2] for e in entries), 0.95):>7} "
            f"{percentile(writes, 0.95):>10} {sum(1 for e in entries if e[4]):>6}"
        )
    problems = Counter((entry[0], entry[4]) for entry in log if entry[4])
    if problems:
        print(f"\nerrors ({sum(problems.values())}), the most frequent first:")
        for (kind, problem), count in problems.most_common(8):
            print(f"  {count:>5} × {kind}: {problem}")


def server_log_summary(path: Path) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    tracebacks = text.count("Traceback (most recent call last)")
    timeouts = text.count("WORKER TIMEOUT")
    last_lines = [
        line.strip()
        for line in text.splitlines()
        if re.match(r"^\w+(\.\w+)*(Error|Exception|Timeout)\b", line.strip())
    ]
    summary = f"{tracebacks} tracebacks, {timeouts} worker timeouts"
    if last_lines:
        summary += "; exceptions: " + "; ".join(
            f"{n} × {line[:160]}" for line, n in Counter(last_lines).most_common(4)
        )
    return summary


# --- The check ----------------------------------------------------------------------------------------------


def stored_records(event_id: int) -> dict[str, list[dict]]:
    """The load test's abstracts as they are in the database, by their submitter's e-mail address."""
    from abstracts.models import Abstract

    abstracts = (
        Abstract.objects.filter(event_id=event_id, submitter__username__startswith="load-submitter-")
        .select_related("submitter")
        .prefetch_related(
            "authorships__person", "authorships__affiliation_links__affiliation", "keyword_links"
        )
    )
    found = defaultdict(list)
    for abstract in abstracts:
        authors = tuple(
            (
                authorship.person.first_name,
                authorship.person.last_name,
                authorship.person.title,
                authorship.person.email,
                tuple(link.affiliation.name for link in authorship.affiliation_links.all()),
                authorship.is_presenting,
            )
            for authorship in abstract.authorships.all()
        )
        found[abstract.submitter.email].append(
            {
                "pk": abstract.pk,
                "title": abstract.title,
                "text": abstract.text,
                "note": abstract.note,
                "session": abstract.preferred_session_id,
                "status": abstract.status,
                "authors": authors,
                "keywords": tuple(link.spelling for link in abstract.keyword_links.all()),
            }
        )
    return found


def check(event_id: int, outcomes: list[dict]) -> tuple[int, int, int]:
    """Every submission that got a success answer is in the database as last sent; returns
    (checked, lost, differing) and prints what is wrong with each bad one."""
    stored = stored_records(event_id)
    checked = lost = differing = 0
    shown = 0

    def show(message: str) -> None:
        nonlocal shown
        if shown < 10:
            print("  " + message)
        shown += 1

    for outcome in sorted(outcomes, key=lambda o: o["n"]):
        mine = stored.get(outcome["email"], [])
        if outcome["expected"] is None:
            if len(mine) > 1 or (mine and not outcome["uncertain"]):
                differing += 1
                show(f"{outcome['email']}: no save succeeded, yet {len(mine)} abstracts are stored")
            continue
        checked += 1
        if not mine:
            lost += 1
            show(f"{outcome['email']}: LOST abstract {outcome['pk']} ({outcome['expected']['status']})")
            continue
        if len(mine) > 1:
            differing += 1
            show(
                f"{outcome['email']}: {len(mine)} abstracts stored ({[m['pk'] for m in mine]}), one expected"
            )
            continue
        # Compared as JSON: the outcomes came from the load processes as JSON (tuples became lists).
        record = json.loads(json.dumps({key: value for key, value in mine[0].items() if key != "pk"}))
        if mine[0]["pk"] != outcome["pk"]:
            differing += 1
            show(f"{outcome['email']}: stored as abstract {mine[0]['pk']}, the answer said {outcome['pk']}")
        elif record != outcome["expected"] and record not in outcome["uncertain"]:
            differing += 1
            wrong = [key for key in record if record[key] != outcome["expected"][key]]
            detail = "; ".join(
                f"{key}: stored {record[key]!r:.120} sent {outcome['expected'][key]!r:.120}" for key in wrong
            )
            show(f"{outcome['email']} abstract {outcome['pk']} differs: {detail}")
    if shown > 10:
        print(f"  … and {shown - 10} more")
    return checked, lost, differing


# --- The driver ----------------------------------------------------------------------------------------------


class HardTimeLimit(Exception):
    pass


def _alarm(signum, frame) -> None:
    raise HardTimeLimit


def _terminated(signum, frame) -> None:
    raise KeyboardInterrupt  # SIGTERM (e.g. from `timeout`) cleans up as Ctrl-C does


def run_load(
    args, setup: dict, base: tuple[str, int], plans: list[dict], exchange: Path
) -> tuple[list, list, float, int, float]:
    """Start the load processes, wait for the submitters, then stop the readers; returns the merged log,
    the submitters' outcomes, the elapsed seconds, the most database connections seen and the CPU seconds
    the load processes used."""
    context = multiprocessing.get_context("spawn")
    stop = StopFlag(context)
    t0 = time.time() + 3  # the processes need a moment to start
    grace = max(60.0, args.duration * 0.5)
    options = {
        "slug": EVENT_SLUG,
        "accepted_ids": setup["accepted_ids"],
        "think": args.think,
        "reader_pause": args.reader_pause,
        "hard_deadline": t0 + args.duration + grace,
        "exchange": str(exchange),
    }
    submitter_processes = max(1, min(args.load_processes - (1 if args.readers else 0), len(plans)))
    work = [("submitters", plans[n::submitter_processes]) for n in range(submitter_processes)]
    if args.readers:
        work.append(("readers", list(range(args.readers))))
    processes = [
        context.Process(target=load_process, args=(index, role, chunk, base, t0, options, stop))
        for index, (role, chunk) in enumerate(work)
    ]
    for process in processes:
        process.start()
    log, outcomes, progress = [], [], {}
    finished = set()
    most_connections = 0
    client_cpu = 0.0
    next_print = t0 + 15
    try:
        while len(finished) < len(processes):
            submitters_done = all(
                index in finished for index, (role, _) in enumerate(work) if role == "submitters"
            )
            if submitters_done:
                stop.set()
            if time.time() > options["hard_deadline"] + REQUEST_TIMEOUT + 30:
                print("hard time limit: the load processes did not report; stopping them")
                break
            time.sleep(2)
            for index in set(range(len(processes))) - finished:
                done, partial = exchange / f"done-{index}.json", exchange / f"progress-{index}.json"
                if done.exists():
                    report = json.loads(done.read_text())
                    finished.add(index)
                    log += [tuple(entry) for entry in report["log"]]
                    outcomes += report["outcomes"]
                    client_cpu += report["cpu"]
                    progress[index] = (
                        len(report["log"]),
                        sum(1 for e in report["log"] if e[4]),
                        sum(1 for outcome in report["outcomes"] if outcome["done"]),
                    )
                elif partial.exists():
                    progress[index] = json.loads(partial.read_text())
            most_connections = max(most_connections, database_connections())
            if time.time() > next_print:
                requests = sum(p[0] for p in progress.values())
                errors = sum(p[1] for p in progress.values())
                done = sum(p[2] for index, p in progress.items() if work[index][0] == "submitters")
                print(
                    f"  t={time.time() - t0:5.0f} s: {requests} requests, {errors} errors, "
                    f"{done}/{len(plans)} submitters finished, {most_connections} database connections",
                    flush=True,
                )
                next_print += 15
    finally:
        stop.set()
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)
    if not log:
        return [], outcomes, 0.0, most_connections, client_cpu
    elapsed = max(entry[1] + entry[2] for entry in log) - min(0.0, min(entry[1] for entry in log))
    return log, outcomes, elapsed, most_connections, client_cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submitters", type=int, default=200)
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--duration", type=float, default=300, help="seconds over which submitters arrive")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn (sync) worker processes")
    parser.add_argument("--accepted", type=int, default=150, help="accepted abstracts for the readers")
    parser.add_argument("--think", type=float, default=2.0, help="a submitter's mean pause between pages (s)")
    parser.add_argument("--reader-pause", type=float, default=1.0, help="a reader's mean pause (s)")
    parser.add_argument("--load-processes", type=int, default=3, help="client processes (readers get one)")
    parser.add_argument(
        "--timeout", type=float, help="hard limit on the whole run (default duration + 600 s)"
    )
    args = parser.parse_args()
    if args.submitters < 1 or args.duration <= 0 or args.readers < 0:
        parser.error("--submitters must be at least 1, --duration positive, --readers not negative")

    signal.signal(signal.SIGALRM, _alarm)
    signal.signal(signal.SIGTERM, _terminated)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored
    limit = int(args.timeout or args.duration + 600)
    signal.alarm(limit)
    run_dir = ROOT / "var" / "load-test" / time.strftime("%Y%m%d-%H%M%S")
    mail_dir = run_dir / "mail"
    mail_dir.mkdir(parents=True)

    # Production settings (DEBUG=0) serve static files from collectstatic's manifest.
    os.environ.setdefault("STATIC_ROOT", str(ROOT / "var" / "load-test" / "static"))
    import benchmarks.indexes as index_benchmark

    index_benchmark.ensure_database()
    import django

    django.setup()
    import redis
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("the load test runs on PostgreSQL: set DATABASE_URL=postgres://…")
    for url in (settings.CELERY_BROKER_URL, settings.REDIS_URL):
        redis.Redis.from_url(url).flushdb()  # this test's own Redis databases: no tasks or keys left over
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        max_connections = int(cursor.fetchone()[0])
        cursor.execute("SELECT count(*) FROM pg_stat_activity")
        in_use = int(cursor.fetchone()[0])
    # Each gunicorn worker and each Celery process keeps one connection (DATABASE_CONN_MAX_AGE=60).
    needed = args.workers + 3
    if in_use + needed > max_connections:
        raise SystemExit(
            f"PostgreSQL has {max_connections - in_use} free connections; this run needs {needed}"
        )

    started = time.monotonic()
    setup = prepare(args.submitters, args.accepted)
    rng = random.Random(42)
    window = args.duration * 0.9  # the last arrivals still get through their few pages within the duration
    times = arrivals(args.submitters, window, rng)
    plans = []
    for n, arrival in enumerate(times):
        email = USER_EMAIL.format(n=n)
        content = make_content(random.Random(n), n, email, setup["sessions"])
        plans.append({"n": n, "email": email, "arrival": arrival, "content": content})
    print(
        f"database: {connection.settings_dict['NAME']} (max_connections {max_connections}, {in_use} in use)"
    )
    print(
        f"set-up in {time.monotonic() - started:.0f} s: event /events/{EVENT_SLUG}/ with an open call, "
        f"{len(setup['accepted_ids'])} accepted abstracts, {args.submitters} accounts"
    )
    connection.close()

    env = server_env(mail_dir)
    gunicorn = worker = None
    try:
        gunicorn, base = start_gunicorn(args.workers, env, run_dir / "gunicorn.log")
        worker = start_worker(env, run_dir / "celery-worker.log")
        print(
            f"server: gunicorn -w {args.workers} (sync) at http://{base[0]}:{base[1]}, a Celery worker "
            f"(concurrency 1), Redis broker db 10 / cache db 11; {os.cpu_count()} CPUs shared with the clients"
        )
        print(
            "throttles raised for this run (one client address for every simulated user is an artefact of "
            "the loopback test): " + ", ".join(f"{k}={v}" for k, v in SERVER_ENV.items())
        )
        print(
            f"load: {args.submitters} submitters arriving over {window:.0f} s (a ramp toward the end), "
            f"pauses ~{args.think:.1f} s between pages; {args.readers} readers, pauses ~{args.reader_pause:.1f} s; "
            f"{args.load_processes} client processes; hard limit {limit} s; logs in {run_dir.relative_to(ROOT)}/",
            flush=True,
        )
        warm_up(base, setup, args.workers)
        cpu_before = cpu_seconds(gunicorn.pid), cpu_seconds(worker.pid)
        exchange = run_dir / "exchange"
        exchange.mkdir()
        log, outcomes, elapsed, most_connections, client_cpu = run_load(args, setup, base, plans, exchange)
        server_cpu = cpu_seconds(gunicorn.pid) - cpu_before[0], cpu_seconds(worker.pid) - cpu_before[1]
        stop_process(gunicorn, "gunicorn")
        submitted = sum(1 for o in outcomes if o["expected"] and o["expected"]["status"] == "submitted")
        deadline = time.monotonic() + 30
        while len(list(mail_dir.iterdir())) < submitted and time.monotonic() < deadline:
            time.sleep(1)
    finally:
        stop_process(gunicorn, "gunicorn")
        stop_process(worker, "celery worker")
    if not log:
        print("no request was made")
        return 1
    # The raw figures, for another look: (kind, start s, seconds, status, problem) and the outcomes.
    (run_dir / "requests.json").write_text(json.dumps({"requests": log, "submitters": outcomes}))

    print(f"\nload phase: {elapsed:.0f} s, {most_connections} database connections at most")
    print(
        f"CPU seconds used meanwhile: gunicorn {server_cpu[0]:.0f}, Celery worker {server_cpu[1]:.0f}, "
        f"load processes {client_cpu:.1f} (of {elapsed * (os.cpu_count() or 1):.0f} available; the machine is "
        f"shared, load average now {os.getloadavg()[0]:.1f})"
    )
    print_figures(log, elapsed, bucket=max(10.0, round(args.duration / 10)), arrival_times=times)
    stages = Counter(outcome["done"] or "unfinished at the hard time limit" for outcome in outcomes)
    print("\nsubmitters: " + ", ".join(f"{count} {stage}" for stage, count in stages.most_common()))
    if len(outcomes) < args.submitters:
        print(
            f"  {args.submitters - len(outcomes)} submitters did not report (their load process was stopped)"
        )
    # Django's file e-mail backend appends messages sent in the same second to one file, each ending
    # in a line of 79 dashes.
    emails = sum(
        path.read_text(errors="replace").count("\n" + "-" * 79 + "\n") for path in mail_dir.iterdir()
    )
    print(f"confirmation e-mails sent by the worker: {emails} for {submitted} submitted")
    print(f"gunicorn log: {server_log_summary(run_dir / 'gunicorn.log')}")
    print(f"worker log: {server_log_summary(run_dir / 'celery-worker.log')}")

    print("\nchecking the database against what each submitter last saved with a success answer:")
    checked, lost, differing = check(setup["event_id"], outcomes)
    print(f"checked: {checked} (of which {submitted} submitted), differing or duplicated: {differing}")
    print(f"lost submissions: {lost}")
    if checked == 0:
        print("nothing to check: no save succeeded")
        return 1
    return 1 if lost or differing else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except HardTimeLimit:
        sys.exit("hard time limit (--timeout) reached; processes stopped")
    except KeyboardInterrupt:
        sys.exit("interrupted; processes stopped")
