"""A synthetic corpus of UN-letter-shaped documents, for `manage.py bench` only.

Every letter made here has `is_synthetic=True`, a title that starts with "[Synthetic]" and a
body whose first sentence is "[Synthetic benchmark letter]": nobody can take one for a real
letter. The benchmark writes them into its own database (see the `bench` command), never
into the archive.

Term statistics are meant to look like the real thing to PostgreSQL's full-text machinery:
bodies of 500–900 words drawn from the word frequencies of real English, French and Spanish
(the `wordfreq` package; 70 % en, 20 % fr, 10 % es), with the formulae UN letters repeat
("I have the honour to transmit herewith", "Security Council", "Permanent Representative")
and a sprinkling of the vocabulary of conflicts and diplomacy. Dates spread over 1946–2025
(more letters in recent years), 1–8 agenda items per General Assembly letter over 80 sessions,
senders drawn from the member states table, an annex for about 30 % of the letters, a
signatory each, and an incident claim for about 5 %.

Rows go in with COPY, in batches, from two writer threads with a connection each, so that
Python builds the next batch while two PostgreSQL backends write the previous ones. Calling
`ingest_letter` 100 000 times would take an hour; this takes minutes. The search index is
built from the tables afterwards (`bench` times it: index_build_s).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import queue
import random
import threading
import time
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg
from django.db import connection, models
from django.utils import timezone
from django.utils.text import slugify
from psycopg.types.json import Jsonb

from archive.models import (
    AgendaItem,
    Annex,
    IncidentClaim,
    Letter,
    LetterAgendaItem,
    LetterSymbol,
    LetterText,
    MemberState,
    SearchChange,
    Signatory,
    Topic,
)


def _words(text: str) -> list[str]:
    return text.split()


SYNTHETIC_MARK = "[Synthetic benchmark letter]"
TITLE_MARK = "[Synthetic]"
SOURCE_PREFIX = "synthetic-benchmark-"
PARSER_VERSION = "synthetic"
LANGUAGE_SHARES = {"en": 0.70, "fr": 0.20, "es": 0.10}
VOCABULARY_SIZE = 30_000
FIRST_YEAR, LAST_YEAR = 1946, 2025
SESSIONS = LAST_YEAR - 1945  # session 80 opened in September 2025
ANNEX_SHARE = 0.30
CLAIM_SHARE = 0.05

# Agenda topics: every session gets each of them under its own item number. A few take most
# letters (Zipf), as the Middle East or the occupied territories of Azerbaijan do.
AGENDA_TOPICS = [
    "The situation in the Middle East",
    "Question of Palestine",
    "The situation in the occupied territories of Azerbaijan",
    "Protracted conflicts in the GUAM area and their implications for international peace, "
    "security and development",
    "Report of the Security Council",
    "Promotion and protection of human rights",
    "Strengthening of the coordination of humanitarian and disaster relief assistance of the "
    "United Nations, including special economic assistance",
    "Measures to eliminate international terrorism",
    "General and complete disarmament",
    "Prevention of armed conflict",
    "Culture of peace",
    "Maintenance of international security",
    "The situation in Afghanistan",
    "Question of Cyprus",
    "Armed aggression against the Democratic Republic of the Congo",
    "Report of the Secretary-General on the work of the Organization",
    "Sustainable development",
    "Elimination of racism, racial discrimination, xenophobia and related intolerance",
    "Right of peoples to self-determination",
    "Comprehensive review of the whole question of peacekeeping operations in all their aspects",
    "Assistance in mine action",
    "Zone of peace and cooperation of the South Atlantic",
    "Oceans and the law of the sea",
    "Questions relating to information",
    "Cooperation between the United Nations and regional and other organizations",
    "Advancement of women",
    "Social development",
    "Crime prevention and criminal justice",
    "International drug control",
    "Implementation of the Declaration on the Granting of Independence to Colonial Countries "
    "and Peoples",
    "Effects of atomic radiation",
    "Strengthening of the United Nations system",
    "Revitalization of the work of the General Assembly",
    "Return or restitution of cultural property to the countries of origin",
    "Responsibility to protect and the prevention of genocide, war crimes, ethnic cleansing "
    "and crimes against humanity",
    "The situation in Central America",
    "Human rights situations and reports of special rapporteurs and representatives",
    "Refugees, returnees and displaced persons",
    "Question of the Comorian island of Mayotte",
    "Permanent sovereignty over natural resources in the occupied territories",
]

# What UN letters say in every language, word for word; several per body.
FORMULAE = {
    "en": [
        "I have the honour to transmit herewith",
        "I have the honour to refer to",
        "I should be grateful if the present letter and its annex could be circulated as a "
        "document of the General Assembly, under agenda item",
        "and of the Security Council",
        "the Permanent Representative to the United Nations",
        "in flagrant violation of international law",
        "the sovereignty and territorial integrity of",
        "the relevant resolutions of the Security Council",
        "the Charter of the United Nations",
        "international peace and security",
        "the international community",
        "the Government of",
        "Please accept, Excellency, the assurances of my highest consideration",
    ],
    "fr": [
        "J'ai l'honneur de vous faire tenir ci-joint",
        "Je vous serais reconnaissant de bien vouloir faire distribuer le texte de la présente "
        "lettre et de son annexe comme document de l'Assemblée générale, au titre du point",
        "et du Conseil de sécurité",
        "le Représentant permanent auprès de l'Organisation des Nations Unies",
        "en violation flagrante du droit international",
        "la souveraineté et l'intégrité territoriale de",
        "les résolutions pertinentes du Conseil de sécurité",
        "la Charte des Nations Unies",
        "la paix et la sécurité internationales",
        "la communauté internationale",
        "le Gouvernement de",
    ],
    "es": [
        "Tengo el honor de transmitirle adjunto",
        "Le agradecería que tuviera a bien hacer distribuir la presente carta y su anexo como "
        "documento de la Asamblea General, en relación con el tema",
        "y del Consejo de Seguridad",
        "el Representante Permanente ante las Naciones Unidas",
        "en flagrante violación del derecho internacional",
        "la soberanía y la integridad territorial de",
        "las resoluciones pertinentes del Consejo de Seguridad",
        "la Carta de las Naciones Unidas",
        "la paz y la seguridad internacionales",
        "la comunidad internacional",
        "el Gobierno de",
    ],
}

# The vocabulary of conflicts and diplomacy, more frequent in these letters than in the
# general language wordfreq measures.
DOMAIN_WORDS = {
    "en": _words(
        "security council international united nations resolution sovereignty "
        "territorial integrity aggression occupation ceasefire violation armed forces "
        "attack civilians killed injured shelling mine explosion drone humanitarian "
        "assistance refugees displaced sanctions nuclear weapons disarmament peace "
        "process negotiations delegation government ministry foreign affairs statement "
        "declaration condemn terrorism terrorist border military troops withdrawal "
        "agreement treaty observers mission peacekeeping human rights violations "
        "genocide hostage sabotage provocation representative permanent excellency "
        "secretary-general assembly session agenda"
    ),
    "fr": _words(
        "sécurité conseil international nations unies résolution souveraineté intégrité "
        "territoriale agression occupation cessez-le-feu violation forces armées "
        "attaque civils tués blessés bombardement mine explosion drone humanitaire "
        "réfugiés déplacés sanctions nucléaires désarmement paix négociations "
        "délégation gouvernement ministère affaires étrangères déclaration condamne "
        "terrorisme frontière militaires troupes retrait accord traité mission droits "
        "homme génocide otages sabotage représentant"
    ),
    "es": _words(
        "seguridad consejo internacional naciones unidas resolución soberanía "
        "integridad territorial agresión ocupación alto fuego violación fuerzas armadas "
        "ataque civiles muertos heridos bombardeo mina explosión dron humanitaria "
        "refugiados desplazados sanciones nucleares desarme paz negociaciones "
        "delegación gobierno ministerio relaciones exteriores declaración condena "
        "terrorismo frontera militares tropas retirada acuerdo tratado misión derechos "
        "humanos genocidio rehenes representante"
    ),
}
DOMAIN_SHARE = 0.06  # of body words
FORMULA_EVERY = 90  # words, on average

MONTHS = {
    "en": _words(
        "January February March April May June July August September October November December"
    ),
    "fr": _words(
        "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
    ),
    "es": _words(
        "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
    ),
}
GIVEN_NAMES = _words(
    "Amina Boris Carlos Dilnoza Elif Farid Grace Hamid Ines Jonas Kofi Lena Mateo "
    "Nadia Omar Pavel Quynh Rania Samir Tamara Ulla Victor Wanjiru Xavier Yasmin "
    "Zoran"
)
FAMILY_NAMES = _words(
    "Abara Borisov Castillo Dembele Eriksen Fadel Gomes Haddad Ivanova Jansen Kamau "
    "Lindqvist Morales Nguyen Okafor Petrenko Quispe Rahman Sato Tembo Urquhart "
    "Valdez Wolde Yilmaz Zeller"
)
CLAIM_KINDS = ["mine explosion", "shelling", "drone strike", "sabotage", "hostage-taking"]


@dataclass(frozen=True)
class Vocabulary:
    words: tuple[str, ...]
    cum_weights: tuple[float, ...]

    def draw(self, rng: random.Random, count: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cum_weights, k=count)


@functools.cache
def vocabulary(language: str) -> Vocabulary:
    """The language's most frequent words (letters only), weighted by their real frequency."""
    import wordfreq  # a dev dependency: only the benchmark needs it

    words, cumulative, total = [], [], 0.0
    for word in wordfreq.top_n_list(language, VOCABULARY_SIZE):
        if len(word) < 2 or not word.isalpha():
            continue
        total += wordfreq.word_frequency(word, language)
        words.append(word)
        cumulative.append(total)
    return Vocabulary(tuple(words), tuple(cumulative))


@dataclass
class GenerationReport:
    letters: int = 0
    seconds: float = 0.0
    python_seconds: float = 0.0  # building rows
    # Per table, summed over the writers (so it can exceed the wall-clock time).
    copy_seconds: dict[str, float] = field(default_factory=dict)
    writer_error: BaseException | None = None


@dataclass(frozen=True)
class State:
    pk: int
    names: dict[str, str]  # language -> name as titles print it


@dataclass(frozen=True)
class Session:
    number: int
    item_ids: tuple[int, ...]  # in topic order, so topic popularity carries across sessions
    item_numbers: tuple[int, ...]


class CorpusFactory:
    """Builds the rows of synthetic letters, deterministically from a seed."""

    def __init__(self, seed: int, states: list[State], sessions: dict[int, Session]):
        self.rng = random.Random(seed)  # noqa: S311 - test data, not secrets
        self.states = states
        self.sessions = sessions
        years = list(range(FIRST_YEAR, LAST_YEAR + 1))
        # Far more letters now than in the 1940s: weight grows with the year.
        self.years = years
        self.year_weights = list(_cumulate(float(y - FIRST_YEAR + 5) for y in years))
        self.topic_weights = list(_cumulate(1.0 / (rank + 1) for rank in range(len(AGENDA_TOPICS))))
        self.languages = list(LANGUAGE_SHARES)
        self.language_weights = list(_cumulate(LANGUAGE_SHARES.values()))
        self.next_sc_number = 10_000  # old-style S/<n> symbols before 1994
        self.ga_numbers: dict[int, int] = {}
        self.sc_numbers: dict[int, int] = {}

    def letter_rows(self, letter_id: int, ids: IdCounters) -> dict[str, list[dict]]:
        """Rows of every table for one letter, keyed by model label."""
        rng = self.rng
        year = rng.choices(self.years, cum_weights=self.year_weights)[0]
        letter_date = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        distribution_date = min(
            letter_date + dt.timedelta(days=rng.randint(1, 12)), dt.date(LAST_YEAR, 12, 31)
        )
        session = _ga_session(letter_date)
        language = rng.choices(self.languages, cum_weights=self.language_weights)[0]
        bodies = rng.choices(["GA_SC", "GA", "SC"], weights=[50, 30, 20])[0]
        if session < 1:
            bodies = "SC"
        state = rng.choice(self.states)
        person = f"{rng.choice(GIVEN_NAMES)} {rng.choice(FAMILY_NAMES).upper()}"
        symbols = self._symbols(bodies, session, year)
        sc_year = year - 1945 if "SC" in bodies else None
        ga_session = session if "GA" in bodies else None

        agenda = []
        if ga_session:
            count = min(8, 1 + int(rng.expovariate(0.8)))
            topics = set()
            while len(topics) < count:
                topics.add(bisect_left(self.topic_weights, rng.random() * self.topic_weights[-1]))
            agenda = sorted(topics)

        title = self._title(language, letter_date, state)
        item_numbers = [self.sessions[session].item_numbers[t] for t in agenda] if agenda else []
        body = self._body(language, rng.randint(500, 900), item_numbers, bodies, person)
        masthead = "\n".join(
            [*symbols, f"{distribution_date:%d %B %Y}", *(f"Agenda item {n}" for n in item_numbers)]
        )
        rows: dict[str, list[dict]] = {label: [] for label in COPY_ORDER}
        now = timezone.now()
        rows["letter"].append(
            {
                "id": letter_id,
                "doc_type": rng.choices(
                    ["letter", "identical_letters", "note_verbale"], weights=[85, 10, 5]
                )[0],
                "bodies": bodies,
                "ga_session": ga_session,
                "sc_year": sc_year,
                "distribution_date": distribution_date,
                "letter_date": letter_date,
                "original_language": language,
                "sender_person": person,
                "sender_role": "Permanent Representative",
                "sender_state_id": state.pk,
                "sender_state_printed": state.names[language],
                "addressees": ["Secretary-General"]
                + (["President of the Security Council"] if "SC" in bodies else []),
                "fingerprint": None,
                "is_synthetic": True,
                "created_at": now,
                "updated_at": now,
            }
        )
        for position, symbol in enumerate(symbols):
            rows["symbol"].append(
                {
                    "id": ids.take("symbol"),
                    "letter_id": letter_id,
                    "symbol": symbol,
                    "lookup": symbol.upper(),
                    "position": position,
                }
            )
        text_id = ids.take("text")
        annex_text = ""
        if rng.random() < ANNEX_SHARE:
            annex_text = self._body(language, rng.randint(200, 1200), [], "", person)
            annex_title = f"{TITLE_MARK} {self._annex_title(language)}"
            rows["annex"].append(
                {
                    "id": ids.take("annex"),
                    "letter_text_id": text_id,
                    "order": 1,
                    "heading": f"Annex to the letter dated {letter_date:%d %B %Y}",
                    "title": annex_title,
                    "letter_date": letter_date,
                    "author_person": person,
                    "author_role": "Minister for Foreign Affairs",
                    "original_language": language,
                    "text": annex_text,
                }
            )
            annex_text = f"{rows['annex'][0]['heading']}\n{annex_title}\n{annex_text}"
        full_text = "\n\n".join(filter(None, [masthead, title, body, annex_text]))
        rows["text"].append(
            {
                "id": text_id,
                "letter_id": letter_id,
                "language": language,
                "title": title,
                "masthead": masthead,
                "body": body,
                "full_text": full_text,
                "symbols_text": " ".join(symbols),
                "annexes_text": annex_text,
                "source_name": f"{SOURCE_PREFIX}{letter_id}.txt",
                "source_sha256": hashlib.sha256(full_text.encode()).hexdigest(),
                "parser_version": PARSER_VERSION,
                "created_at": now,
                "updated_at": now,
            }
        )
        for position, topic in enumerate(agenda):
            rows["agenda_link"].append(
                {
                    "id": ids.take("agenda_link"),
                    "letter_id": letter_id,
                    "agenda_item_id": self.sessions[session].item_ids[topic],
                    "position": position,
                }
            )
        rows["signatory"].append(
            {
                "id": ids.take("signatory"),
                "letter_id": letter_id,
                "name": person,
                "role": "Permanent Representative",
                "annex_order": 0,
                "position": 0,
            }
        )
        if rng.random() < CLAIM_SHARE:
            rows["claim"].append(self._claim(ids, letter_id, text_id, body, state, letter_date))
        return rows

    def _symbols(self, bodies: str, session: int, year: int) -> list[str]:
        symbols = []
        if "GA" in bodies:
            number = self.ga_numbers[session] = self.ga_numbers.get(session, 100) + 1
            symbols.append(f"A/{session}/{number}")
        if "SC" in bodies:
            if year >= 1994:
                number = self.sc_numbers[year] = self.sc_numbers.get(year, 100) + 1
                symbols.append(f"S/{year}/{number}")
            else:
                self.next_sc_number += 1
                symbols.append(f"S/{self.next_sc_number}")
        return symbols

    def _title(self, language: str, date: dt.date, state: State) -> str:
        month = MONTHS[language][date.month - 1]
        day = (
            f"{date.day} de {month} de {date.year}"
            if language == "es"
            else f"{date.day} {month} {date.year}"
        )
        name = state.names[language]
        if language == "fr":
            core = (
                f"Lettre datée du {day}, adressée au Secrétaire général par le Représentant "
                f"permanent de {name} auprès de l'Organisation des Nations Unies"
            )
        elif language == "es":
            core = (
                f"Carta de fecha {day} dirigida al Secretario General por el Representante "
                f"Permanente de {name} ante las Naciones Unidas"
            )
        else:
            core = (
                f"Letter dated {day} from the Permanent Representative of {name} to the "
                "United Nations addressed to the Secretary-General"
            )
        return f"{TITLE_MARK} {core}"

    def _annex_title(self, language: str) -> str:
        return {
            "en": "Statement by the Ministry of Foreign Affairs",
            "fr": "Déclaration du Ministère des affaires étrangères",
            "es": "Declaración del Ministerio de Relaciones Exteriores",
        }[language]

    def _body(
        self, language: str, words: int, item_numbers: list[int], bodies: str, person: str
    ) -> str:
        """`words` words in sentences: real word frequencies, UN formulae, domain terms."""
        rng = self.rng
        drawn = vocabulary(language).draw(rng, words)
        domain = DOMAIN_WORDS[language]
        formulae = FORMULAE[language]
        for _ in range(int(words * DOMAIN_SHARE)):
            drawn[rng.randrange(words)] = rng.choice(domain)
        sentences = [SYNTHETIC_MARK, f"{formulae[0]} {' '.join(drawn[:12])}."] if bodies else []
        position = 12 if bodies else 0
        while position < words:
            length = rng.randint(8, 28)
            chunk = drawn[position : position + length]
            position += length
            if rng.random() < length / FORMULA_EVERY:
                chunk.insert(rng.randrange(len(chunk) + 1), rng.choice(formulae))
            sentence = " ".join(chunk)
            sentences.append(sentence[:1].upper() + sentence[1:] + ".")
        if bodies:
            closing = formulae[2]
            if item_numbers:
                closing += " " + ", ".join(str(n) for n in item_numbers)
            if "SC" in bodies:
                closing += " " + formulae[3]
            sentences.append(closing + ".")
            sentences.append(f"(Signed) {person}")
        return " ".join(sentences)

    def _claim(
        self,
        ids: IdCounters,
        letter_id: int,
        text_id: int,
        body: str,
        state: State,
        letter_date: dt.date,
    ) -> dict:
        rng = self.rng
        start = body.find(".") + 2
        end = max(start + 1, body.find(".", start) + 1)
        killed = rng.randint(1, 20)
        injured = rng.randint(0, 40)
        return {
            "id": ids.take("claim"),
            "letter_id": letter_id,
            "letter_text_id": text_id,
            "annex_id": None,
            "kind": rng.choice(CLAIM_KINDS),
            "claimant_id": state.pk,
            "claimant_name": state.names["en"],
            "accused_name": rng.choice(self.states).names["en"],
            "date": letter_date - dt.timedelta(days=rng.randint(1, 30)),
            "date_precision": "day",
            "killed": killed,
            "killed_civilians": rng.randint(0, killed),
            "injured": injured,
            "injured_civilians": rng.randint(0, injured),
            "quote": body[start:end],
            "quote_start": start,
            "quote_end": end,
            "confidence": "clear",
            "found_by": "synthetic",
            "review_status": "unreviewed",
        }


class IdCounters:
    """Primary keys handed out here, so rows of one letter can refer to each other before
    any of them is in the database; sequences are moved past them at the end."""

    def __init__(self):
        self.last: dict[str, int] = {}

    def take(self, label: str) -> int:
        self.last[label] = self.last.get(label, 0) + 1
        return self.last[label]


COPY_MODELS: dict[str, type[models.Model]] = {
    "letter": Letter,
    "symbol": LetterSymbol,
    "text": LetterText,
    "annex": Annex,
    "agenda_link": LetterAgendaItem,
    "signatory": Signatory,
    "claim": IncidentClaim,
}
COPY_ORDER = list(COPY_MODELS)
CORPUS_TABLES = [*COPY_MODELS.values(), AgendaItem, Topic]


def _cumulate(values) -> list[float]:
    total, out = 0.0, []
    for value in values:
        total += value
        out.append(total)
    return out


def _ga_session(date: dt.date) -> int:
    """Session n opens in September of 1945 + n (the first met in January 1946)."""
    return date.year - 1945 if date.month >= 9 or date.year == 1946 else date.year - 1946


def _copy_columns(model: type[models.Model]) -> list[models.Field]:
    """Every stored column but the generated ones, which PostgreSQL computes on insert."""
    return [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]


def _row_values(fields: list[models.Field], row: dict) -> list:
    values = []
    for f in fields:
        value = row[f.attname] if f.attname in row else f.get_default()
        if isinstance(f, models.JSONField) and value is not None:
            value = Jsonb(value)
        values.append(value)
    return values


def synthetic_letter_count() -> int:
    return Letter.objects.filter(is_synthetic=True).count()


def wipe_corpus() -> None:
    """Empty the corpus tables of the benchmark database (never called on any other one)."""
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in CORPUS_TABLES)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def _create_agenda(rng: random.Random) -> dict[int, Session]:
    topics = Topic.objects.bulk_create(
        Topic(name=f"{name} [synthetic]", slug=slugify(name)[:180] + "-synthetic")
        for name in AGENDA_TOPICS
    )
    sessions = {}
    taken: dict[int, set[int]] = {}
    for session, item_number in AgendaItem.objects.values_list("ga_session", "number"):
        taken.setdefault(session, set()).add(item_number)
    for number in range(1, SESSIONS + 1):
        # Beside real agenda items (add_letters), synthetic ones take free numbers.
        free = [n for n in range(10, 180) if n not in taken.get(number, ())]
        item_numbers = rng.sample(free, len(AGENDA_TOPICS))
        items = AgendaItem.objects.bulk_create(
            AgendaItem(
                ga_session=number,
                number=item_number,
                titles={"en": AGENDA_TOPICS[t]},
                topic=topics[t],
            )
            for t, item_number in enumerate(item_numbers)
        )
        sessions[number] = Session(number, tuple(i.pk for i in items), tuple(item_numbers))
    return sessions


def _states() -> list[State]:
    return [
        State(pk, {"en": en, "fr": fr or en, "es": es or en})
        for pk, en, fr, es in MemberState.objects.filter(
            un_status=MemberState.Status.MEMBER
        ).values_list("pk", "short_en", "name_fr", "name_es")
    ]


def generate_corpus(
    letters: int,
    *,
    seed: int = 20250101,
    batch_size: int = 2000,
    progress: Callable[[int, int], None] | None = None,
) -> GenerationReport:
    """Replace the corpus with `letters` synthetic letters; return where the time went.

    Runs in the benchmark database only: the `bench` command checks that before calling.
    """
    started = time.monotonic()
    report = GenerationReport(letters=letters)
    wipe_corpus()
    factory = CorpusFactory(seed, _states(), _create_agenda(random.Random(seed)))  # noqa: S311
    for language in LANGUAGE_SHARES:
        vocabulary(language)  # load before timing Python row building
    ids = IdCounters()
    params = connection.get_connection_params()
    batches: queue.Queue = queue.Queue(maxsize=WRITERS + 1)
    writers = [
        threading.Thread(target=_write_batches, args=(params, batches, report), daemon=True)
        for _ in range(WRITERS)
    ]
    for writer in writers:
        writer.start()
    done = 0
    while done < letters:
        building = time.monotonic()
        batch: dict[str, list[dict]] = {label: [] for label in COPY_ORDER}
        for _ in range(min(batch_size, letters - done)):
            done += 1
            for label, rows in factory.letter_rows(done, ids).items():
                batch[label].extend(rows)
        report.python_seconds += time.monotonic() - building
        batches.put(batch)
        if report.writer_error:
            break
        if progress:
            progress(done, letters)
    for _ in writers:
        batches.put(None)
    for writer in writers:
        writer.join()
    if report.writer_error:
        raise RuntimeError(f"COPY failed: {report.writer_error}") from report.writer_error
    _reset_sequences()
    # The triggers logged every letter for the search index; the benchmark builds its index
    # from the tables afterwards, so the log of the generation itself is not needed.
    with connection.cursor() as cursor:
        cursor.execute(f'TRUNCATE "{SearchChange._meta.db_table}"')
    _vacuum_analyze()
    report.seconds = time.monotonic() - started
    return report


def add_letters(letters: int, *, seed: int = 20250101) -> list[int]:
    """Add `letters` synthetic letters beside what the database holds, on the current
    connection and in its transaction (the tests' corpus big enough to matter: a few
    thousand letters in seconds, rolled back with the test). Returns their ids."""
    rng = random.Random(seed)  # noqa: S311 - test data
    topics = Topic.objects.filter(slug__endswith="-synthetic")
    sessions = _existing_agenda() if topics.exists() else _create_agenda(rng)
    factory = CorpusFactory(seed, _states(), sessions)
    ids = IdCounters()
    with connection.cursor() as cursor:
        for label, model in COPY_MODELS.items():
            table = model._meta.db_table  # from the models, not from input
            cursor.execute(f'SELECT coalesce(max(id), 0) FROM "{table}"')  # noqa: S608
            ids.last[label] = cursor.fetchone()[0]
    first = ids.take("letter")
    ids.last["letter"] = first - 1
    batch: dict[str, list[dict]] = {label: [] for label in COPY_ORDER}
    for _ in range(letters):
        for label, rows in factory.letter_rows(ids.take("letter"), ids).items():
            batch[label].extend(rows)
    fields = {label: _copy_columns(model) for label, model in COPY_MODELS.items()}
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        for label in COPY_ORDER:
            model = COPY_MODELS[label]
            columns = ", ".join(f'"{f.column}"' for f in fields[label])
            with cursor.copy(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as copy:
                for row in batch[label]:
                    copy.write_row(_row_values(fields[label], row))
    _reset_sequences()
    return list(range(first, first + letters))


def _existing_agenda() -> dict[int, Session]:
    """The synthetic agenda made by an earlier call, in topic order per session."""
    order = {f"{name} [synthetic]": rank for rank, name in enumerate(AGENDA_TOPICS)}
    per_session: dict[int, list] = {}
    for item in AgendaItem.objects.filter(topic__slug__endswith="-synthetic").select_related(
        "topic"
    ):
        per_session.setdefault(item.ga_session, []).append(item)
    sessions = {}
    for number, items in per_session.items():
        items.sort(key=lambda i: order[i.topic.name])
        sessions[number] = Session(
            number, tuple(i.pk for i in items), tuple(i.number for i in items)
        )
    return sessions


WRITERS = 2  # PostgreSQL backends writing at once: one per core of the target machine
_report_lock = threading.Lock()


def _write_batches(params: dict, batches: queue.Queue, report: GenerationReport) -> None:
    """The writer thread: COPY each batch in one transaction, on its own connection."""
    fields = {label: _copy_columns(model) for label, model in COPY_MODELS.items()}
    try:
        with psycopg.connect(**params) as conn:
            conn.execute("SET synchronous_commit = off")
            while (batch := batches.get()) is not None:
                with conn.transaction(), conn.cursor() as cursor:
                    for label in COPY_ORDER:
                        if not batch[label]:
                            continue
                        began = time.monotonic()
                        model = COPY_MODELS[label]
                        columns = ", ".join(f'"{f.column}"' for f in fields[label])
                        sql = f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN'
                        with cursor.copy(sql) as copy:
                            for row in batch[label]:
                                copy.write_row(_row_values(fields[label], row))
                        with _report_lock:
                            report.copy_seconds[label] = report.copy_seconds.get(label, 0.0) + (
                                time.monotonic() - began
                            )
    except BaseException as error:  # re-raised by the main thread
        report.writer_error = error
        while batches.get() is not None:  # let the producer finish
            pass


def _reset_sequences() -> None:
    with connection.cursor() as cursor:
        for model in COPY_MODELS.values():
            table = model._meta.db_table
            # Table names come from the models, not from input.
            last_id = f'coalesce((SELECT max(id) FROM "{table}"), 0)'  # noqa: S608
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), {last_id} + 1, false)", [table]
            )


def _vacuum_analyze() -> None:
    """Give the planner fresh statistics (and set the visibility map for index-only scans)."""
    with connection.cursor() as cursor:
        for model in CORPUS_TABLES:
            cursor.execute(f'VACUUM (ANALYZE) "{model._meta.db_table}"')
