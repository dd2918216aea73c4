"""The words UN letters use, in tables per language, so the parser has no per-language branches.

Every pattern here is a regular-expression fragment matched case-insensitively unless said
otherwise. Languages are ISO 639-1 codes: "en", "fr", "es", "ru".
"""

from __future__ import annotations

import re

LANGUAGES = ("en", "fr", "es", "ru")


def _words(text: str) -> frozenset[str]:
    """A set of words written as one space-separated string, for readable tables."""
    return frozenset(text.split())


# Names of languages as mastheads print them ("Original: English", "Original : anglais",
# "Original: inglés", "Оригинал: английский"), mapped to ISO 639-1.
LANGUAGE_NAMES: dict[str, str] = {
    "english": "en", "anglais": "en", "inglés": "en", "ingles": "en", "английский": "en",
    "french": "fr", "français": "fr", "francais": "fr", "francés": "fr", "frances": "fr",
    "французский": "fr",
    "spanish": "es", "espagnol": "es", "español": "es", "espanol": "es", "испанский": "es",
    "russian": "ru", "russe": "ru", "ruso": "ru", "русский": "ru",
    "arabic": "ar", "arabe": "ar", "árabe": "ar", "арабский": "ar",
    "chinese": "zh", "chinois": "zh", "chino": "zh", "китайский": "zh",
}  # fmt: skip

# The masthead must show one of these near the top, or the text is no UN document.
MASTHEAD_MARKERS = re.compile(
    r"\bDistr\b|General\s+Assembly|Security\s+Council|Assembl[ée]e\s+g[ée]n[ée]rale|"
    r"Conseil\s+de\s+s[ée]curit[ée]|Asamblea\s+General|Consejo\s+de\s+Seguridad|"
    r"Генеральная\s+Ассамблея|Совет\s+Безопасности|Distr\.",
    re.IGNORECASE,
)

# Organ headings of the masthead blocks ("General Assembly" / "Security Council").
ORGAN_HEADING = re.compile(
    r"^(?:General\s+Assembly|Security\s+Council|Assembl[ée]e\s+g[ée]n[ée]rale|"
    r"Conseil\s+de\s+s[ée]curit[ée]|Asamblea\s+General|Consejo\s+de\s+Seguridad|"
    r"Генеральная\s+Ассамблея|Совет\s+Безопасности|United\s+Nations|Nations\s+Unies|"
    r"Naciones\s+Unidas|Организация\s+Объединенных\s+Наций|UNITED|NATIONS|AS|S)"
    r"(?:\s+(?:General\s+Assembly|Security\s+Council|SECURITY\s+COUNCIL))?\s*$",
    re.IGNORECASE,
)

# Title openings: (language, doc_type, pattern at the start of the title's first line).
TITLE_OPENINGS: list[tuple[str, str, re.Pattern]] = [
    (lang, doc_type, re.compile(pattern, re.IGNORECASE))
    for lang, doc_type, pattern in [
        ("en", "identical_letters", r"^identical\s+letters\s+dated\b"),
        ("en", "note_verbale", r"^note\s+verbale\s+dated\b"),
        ("en", "letter", r"^letter\s+dated\b"),
        ("fr", "identical_letters", r"^lettres\s+identiques\s+dat[ée]es\b"),
        ("fr", "note_verbale", r"^note\s+verbale\s+dat[ée]e\b"),
        ("fr", "letter", r"^lettre\s+dat[ée]e\b"),
        ("es", "identical_letters", r"^cartas\s+id[ée]nticas\s+de\s+fecha\b"),
        ("es", "note_verbale", r"^nota\s+verbal\s+de\s+fecha\b"),
        ("es", "letter", r"^carta\s+de\s+fecha\b"),
        ("ru", "identical_letters", r"^идентичные\s+письма\s"),
        ("ru", "note_verbale", r"^вербальная\s+нота\s"),
        ("ru", "letter", r"^письмо\s"),
    ]
]

# A well-formed title, once whitespace is collapsed; {date} is filled in by the parser.
WELL_FORMED_TITLE: dict[str, str] = {
    "en": r"^(?:letter|identical\s+letters|note\s+verbale)\s+dated\s+{date},?\s+from\s+.+\s+"
    r"addressed\s+to\s+.+$",
    "fr": r"^(?:lettre|lettres\s+identiques|note\s+verbale)\s+dat[ée]es?\s+du\s+{date},?\s+"
    r"adress[ée]es?\s+(?:au|à|aux)\s+.+\s+par\s+.+$",
    "es": r"^(?:carta|cartas\s+id[ée]nticas|nota\s+verbal)\s+de\s+fecha\s+{date},?\s+"
    r"dirigidas?\s+(?:al|a\s+la|a\s+los)\s+.+\s+por\s+.+$",
    "ru": r"^(?:письмо|идентичные\s+письма|вербальная\s+нота)\s+.+\s+от\s+{date}\s+"
    r"на\s+имя\s+.+$",
}

# First words of a letter's body: a title without a recognised ending stops before them.
BODY_OPENING: dict[str, re.Pattern] = {
    lang: re.compile(pattern)
    for lang, pattern in {
        "en": r"^(?:I|We|On|In|With|Further|Upon|Pursuant|As|Following|At|It|This|Please|"
        r"Referring|Recalling|Enclosed|Attached)\b",
        "fr": r"^(?:J['’]ai|Je|Nous|Comme|Suite|D['’]ordre|Me|Au|En|À|Faisant)\b",
        "es": r"^(?:Tengo|Me|En|Con|Por|Como|Siguiendo|Le|Tenemos)\b",
        "ru": r"^(?:Имею|Имеем|Настоящим|Ссылаясь|По\s+поручению|В\s+связи)\b",
    }.items()
}
# The word that introduces the addressee, wherever the title puts it.
ADDRESSED: dict[str, re.Pattern] = {
    "en": re.compile(r"\baddressed\s+to\b", re.IGNORECASE),
    "fr": re.compile(r"\badress[ée]e?s?\b", re.IGNORECASE),
    "es": re.compile(r"\bdirigidas?\b", re.IGNORECASE),
    "ru": re.compile(r"\bна\s+имя\b", re.IGNORECASE),
}
# Where the date sits in a title.
TITLE_DATE_LEAD: dict[str, str] = {
    "en": r"dated\s+",
    "fr": r"dat[ée]es?\s+du\s+",
    "es": r"de\s+fecha\s+",
    "ru": r"\sот\s+",
}

# The addressee phrase of a title, and how several addressees are joined.
ADDRESSEE_PHRASE: dict[str, re.Pattern] = {
    "en": re.compile(r"\baddressed\s+to\s+(?P<who>.+?)\s*$", re.IGNORECASE),
    "fr": re.compile(r"\badress[ée]es?\s+(?P<who>(?:au|à|aux)\s.+?)\s+par\s", re.IGNORECASE),
    "es": re.compile(r"\bdirigidas?\s+(?P<who>(?:al|a\s+la|a\s+los)\s.+?)\s+por\s", re.IGNORECASE),
    "ru": re.compile(r"\bна\s+имя\s+(?P<who>.+?)\s*$", re.IGNORECASE),
}
# "the Secretary-General, the President of the General Assembly and the President of the
# Security Council": one line may name several addressees, joined by commas and "and".
ADDRESSEE_JOIN: dict[str, str] = {
    "en": r"\s*,\s*(?:and\s+)?(?:to\s+)?|\s+and\s+(?:to\s+)?",
    "fr": r"\s*,\s*(?:et\s+)?|\s+et\s+",
    "es": r"\s*,\s*(?:y\s+)?|\s+y\s+",
    "ru": r"\s*,\s*(?:и\s+)?|\s+и\s+",
}
ADDRESSEE_ARTICLE = re.compile(r"^(?:the|au|à\s+la|à\s+l['’]|à|al|a\s+la|a)\s+", re.IGNORECASE)

# Canonical addressees: the form an editor expects, whatever case or OCR damage the print has.
# Russian titles print the addressee in the genitive ("на имя Генерального секретаря").
ADDRESSEES: dict[str, dict[str, str]] = {
    "en": {
        "Secretary-General": "Secretary-General",
        "President of the Security Council": "President of the Security Council",
        "President of the General Assembly": "President of the General Assembly",
    },
    "fr": {
        "Secrétaire général": "Secrétaire général",
        "Président du Conseil de sécurité": "Président du Conseil de sécurité",
        "Présidente du Conseil de sécurité": "Présidente du Conseil de sécurité",
        "Président de l'Assemblée générale": "Président de l'Assemblée générale",
        "Présidente de l'Assemblée générale": "Présidente de l'Assemblée générale",
    },
    "es": {
        "Secretario General": "Secretario General",
        "Presidente del Consejo de Seguridad": "Presidente del Consejo de Seguridad",
        "Presidenta del Consejo de Seguridad": "Presidenta del Consejo de Seguridad",
        "Presidente de la Asamblea General": "Presidente de la Asamblea General",
        "Presidenta de la Asamblea General": "Presidenta de la Asamblea General",
    },
    "ru": {
        "Генерального секретаря": "Генеральный секретарь",
        "Председателя Совета Безопасности": "Председатель Совета Безопасности",
        "Председателя Генеральной Ассамблеи": "Председатель Генеральной Ассамблеи",
    },
}

# How the sender is introduced in a title, and what follows the sender.
SENDER_PHRASE: dict[str, re.Pattern] = {
    "en": re.compile(r"\bfrom\s+(?:the\s+)?(?P<sender>.+?)\s+addressed\s+to\b", re.IGNORECASE),
    "fr": re.compile(r"\bpar\s+(?:le|la|les|l['’])\s*(?P<sender>.+?)\s*$", re.IGNORECASE),
    "es": re.compile(r"\bpor\s+(?:el|la|los)\s+(?P<sender>.+?)\s*$", re.IGNORECASE),
    "ru": re.compile(r"^\S+(?:\s+письма)?\s+(?P<sender>.+?)\s+от\s+\d", re.IGNORECASE),
}
SENDER_TAIL = re.compile(
    r"\s+(?:to\s+the\s+United\s+Nations(?:\s+Office)?.*|auprès\s+de\s+l['’]Organisation\s+des"
    r"\s+Nations\s+Unies.*|auprès\s+des\s+Nations\s+Unies.*|ante\s+las\s+Naciones\s+Unidas.*|"
    r"при\s+Организации\s+Объединенных\s+Наций.*)$",
    re.IGNORECASE,
)

# Sender roles, longest first so "Deputy Permanent Representative" wins over its tail.
# OCR reads "Chargé" as "Charg6" or "Charge": the pattern accepts both, the parser repairs.
ROLES: dict[str, list[str]] = {
    "en": [
        # The chair of a committee, group or movement: the role runs to the organ's name's end
        # ("Chairman of the Committee on the Exercise of the Inalienable Rights of the
        # Palestinian People"); _ORGAN_ROLE_END below stops it.
        r"(?:Acting\s+|Vice[- ])?(?:Chairman|Chairwoman|Chairperson|Chair|President|"
        r"Coordinator|Rapporteur)\s+of\s+the\s+(?:[A-Z][\w-]*\s+)*(?:Committee|Group|"
        r"Movement|Bureau|Commission|Conference|Council|Organization|Organisation|League|"
        r"Union|Caucus|Forum|Meeting|Summit|Board|Working\s+Group|Special\s+Committee)"
        r"(?:\s+(?:(?:of|on|for|to|in|and|the|against)(?!\w)|[A-Z][\w'’-]*|[a-z]+(?=\s+[A-Z])))"
        r"{0,24}",
        r"(?:Deputy|Acting|Alternate|Assistant)\s+Permanent\s+Representative",
        r"Permanent\s+Representative",
        r"(?:Deputy|Acting|Alternate)\s+Permanent\s+Observer",
        r"Permanent\s+Observer",
        r"Charg[eé6]\s+d['’]\s*affaires(?:\s+a\.\s*i\.|\s+ad\s+interim)?",
        r"(?:Deputy\s+)?Minister\s+(?:for|of)\s+Foreign\s+Affairs(?:\s+and\s+[\w ]+?)?",
        r"(?:Deputy\s+)?Prime\s+Minister",
        r"Head\s+of\s+(?:the\s+)?Delegation",
        r"Special\s+Envoy",
        r"President",
    ],
    "fr": [
        r"(?:Vice-)?Présidente?\s+du\s+(?:Comité|Groupe|Mouvement|Bureau|Conseil)"
        r"(?:\s+(?:(?:de|des|du|la|le|les|pour|sur|et)(?!\w)|d['’]|l['’]|[A-ZÉ][\w'’-]*)){0,24}",
        r"Représentante?\s+permanente?\s+adjointe?",
        r"Représentante?\s+permanente?",
        r"Observat(?:eur|rice)\s+permanent(?:e)?\s+adjoint(?:e)?",
        r"Observatrice\s+permanente|Observateur\s+permanent",
        r"Charg[ée6]e?\s+d['’]\s*affaires(?:\s+par\s+intérim|\s+a\.\s*i\.)?",
        r"Ministre\s+des\s+affaires\s+étrangères",
        r"Premier\s+Ministre|Première\s+Ministre",
        r"Présidente?",
    ],
    "es": [
        r"President[ea]\s+del\s+(?:Comité|Grupo|Movimiento|Buró|Consejo)"
        r"(?:\s+(?:(?:de|del|la|las|los|el|para|sobre|y)(?!\w)|[A-ZÁÉÍÓÚ][\w'’-]*)){0,24}",
        r"Representante\s+Permanente\s+Adjunt[oa]",
        r"Representante\s+Permanente",
        r"Observador[a]?\s+Permanente\s+Adjunt[oa]",
        r"Observador[a]?\s+Permanente",
        r"Encargad[oa]\s+de\s+Negocios(?:\s+a\.\s*i\.|\s+interin[oa])?",
        r"Ministr[oa]\s+de\s+Relaciones\s+Exteriores",
        r"Presidente|Presidenta",
    ],
    "ru": [
        r"Постоянн\w+\s+представител\w+",
        r"Постоянн\w+\s+наблюдател\w+",
        r"Временн\w+\s+поверенн\w+\s+в\s+делах",
        r"Министр\w*\s+иностранных\s+дел",
    ],
}
# Words that end an organ's name inside a role ("... Palestinian People addressed to ...").
ORGAN_ROLE_END = re.compile(
    r"\s+(?:addressed|adress|dirigid|to\s+the\s+United|auprès|ante\s+las|at\s+the|in\s+New|"
    r"and\s+the\s+(?:Permanent|Chargé)|\(Signed\)).*$",
    re.IGNORECASE,
)
# An organ role names no state: the sender is the organ's chair.
ORGAN_ROLE = re.compile(
    r"^(?:Acting\s+|Vice[- ])?(?:Chair\w*|Coordinator|Rapporteur|Président\w*|Vice-Président\w*|"
    r"President[ea])\s+(?:of\s+the|du|del)\s",
    re.IGNORECASE,
)

# Ranks printed in signature blocks that are not the sender's role.
RANKS = re.compile(
    r"^(?:Ambassador|L['’]Ambassadeur|L['’]Ambassadrice|Ambassadeur|Embajador[a]?|Посол|"
    r"Minister|Ministre)\s*,?$",
    re.IGNORECASE,
)

# "of Spain", "de l'Azerbaïdjan", "de España", and the missions that may stand before it.
STATE_LEAD: dict[str, str] = {
    "en": r"\s+(?:of|at)\s+(?:the\s+)?",
    "fr": r"\s+(?:de\s+la\s+|de\s+l['’]|du\s+|des\s+|de\s+|d['’])",
    "es": r"\s+(?:de\s+la\s+|de\s+los\s+|del\s+|de\s+)",
    "ru": r"\s+",
}
MISSION = re.compile(
    r"^(?:(?:the\s+)?Permanent\s+(?:Observer\s+)?Mission|Mission\s+permanente(?:\s+d['’]observation)?|"
    r"Mission\s+d['’]observation\s+permanente|Misión\s+Permanente(?:\s+de\s+Observación)?|"
    r"Постоянного\s+представительства)",
    re.IGNORECASE,
)
STATE_ARTICLE = re.compile(r"^(?:the\s+|la\s+|le\s+|les\s+|l['’]|el\s+|los\s+)", re.IGNORECASE)

# Markers before a signature; OCR turns "(Signed)" into "(Sisned)" or "(Siqned)".
SIGNED_MARKERS = ("signed", "signé", "signe", "firmado", "firmada", "подпись")

# Honorifics printed before a name, dropped from the sender's person.
HONORIFIC = re.compile(
    r"^(?:Dr|Mr|Mrs|Ms|Mme|M|Sr|Sra|Prof|H\.\s*E|S\.\s*E|Sir|Г-н|Г-жа)\.?\s+", re.IGNORECASE
)

# Agenda lines: (pattern with a "nums" group, agenda_kind).
AGENDA_LINES: list[tuple[re.Pattern, str]] = [
    (re.compile(pattern, re.IGNORECASE), kind)
    for pattern, kind in [
        (r"^items?\s+(?P<nums>.+?)\s+of\s+the\s+preliminary\s+list\s*\**$",
         "item of the preliminary list"),
        (r"^items?\s+(?P<nums>.+?)\s+of\s+the\s+provisional\s+agenda\s*\**$",
         "item of the provisional agenda"),
        (r"^(?:provisional\s+)?agenda\s+items?\s+(?P<nums>.+?)\s*\**$", "agenda item"),
        (r"^points?\s+(?P<nums>.+?)\s+de\s+la\s+liste\s+pr[ée]liminaire\s*\**$",
         "item of the preliminary list"),
        (r"^points?\s+(?P<nums>.+?)\s+de\s+l['’]ordre\s+du\s+jour\s+provisoire\s*\**$",
         "item of the provisional agenda"),
        (r"^points?\s+(?P<nums>.+?)\s+de\s+l['’]ordre\s+du\s+jour\s*\**$", "agenda item"),
        (r"^temas?\s+(?P<nums>.+?)\s+de\s+la\s+lista\s+preliminar\s*\**$",
         "item of the preliminary list"),
        (r"^temas?\s+(?P<nums>.+?)\s+del\s+programa\s+provisional\s*\**$",
         "item of the provisional agenda"),
        (r"^temas?\s+(?P<nums>.+?)\s+del\s+programa\s*\**$", "agenda item"),
        (r"^пункты?\s+(?P<nums>.+?)\s+предварительного\s+перечня\s*\**$",
         "item of the preliminary list"),
        (r"^пункты?\s+(?P<nums>.+?)\s+предварительной\s+повестки\s+дня\s*\**$",
         "item of the provisional agenda"),
        (r"^пункты?\s+(?P<nums>.+?)\s+повестки\s+дня\s*\**$", "agenda item"),
    ]
]  # fmt: skip
# "26", "68 (b)", "73 a)" separated by commas and "and"/"et"/"y"/"и".
AGENDA_NUMBER = re.compile(r"(\d{1,3})(?:\s*\(?([a-z])\))?")
AGENDA_NUMBERS = re.compile(
    r"^\d{1,3}(?:\s*\(?[a-z]\))?(?:\s*(?:,|and|et|y|и|,\s*and|,\s*et)\s*\d{1,3}(?:\s*\(?[a-z]\))?)*$",
    re.IGNORECASE,
)

# Words that cannot end a line of an agenda item title: the title goes on.
CONNECTORS = _words(
    "of the to and in on for with by at from a an its their his her "
    "de du des la le les l' et en aux au sur pour par dans "
    "del y el los las por para con "
    "и в на о по для с"
)
# Words that open many agenda item titles: a wrapped line rarely starts with them.
TITLE_HEADS = _words(
    "question situation report promotion prevention implementation maintenance "
    "strengthening elimination advancement comprehensive united measures protection "
    "right rights human culture consolidation protracted the rule "
    "prévention rapport promotion consolidation conflits situation question la le les "
    "l'état mesures application renforcement élimination "
    "cuestión informe promoción prevención aplicación fortalecimiento eliminación "
    "la el los medidas consolidación "
    "вопрос доклад поощрение предотвращение осуществление положение"
)

# Session and year lines: the words after the ordinal.
SESSION_WORDS: dict[str, str] = {
    "en": r"session",
    "fr": r"session",
    "es": r"per[ií]odo\s+de\s+sesiones",
    "ru": r"сессия",
}
YEAR_WORDS: dict[str, str] = {"en": r"year", "fr": r"ann[ée]e", "es": r"año", "ru": r"год"}

# Annex headings: "Annex to the letter dated ...", "ANNEX", "Annexe à la lettre ...".
# Case-sensitive on the first letter: "(see annex)" wraps to a line starting "annex)".
ANNEX_HEADING = re.compile(
    r"^(?-i:Annex|ANNEX|A N N E X|Annexe|ANNEXE|Anexo|ANEXO|Приложение|ПРИЛОЖЕНИЕ)"
    r"(?:\s+[IVX]{1,4}|\s+\d{1,2})?"
    r"(?:\s+(?:to\s+the\s+(?:letter|identical|note)|à\s+la\s+(?:lettre|note)|aux\s+lettres|"
    r"de\s+la\s+(?:carta|nota)|de\s+las\s+cartas|к\s+(?:письму|идентичным|вербальной))\b.*)?"
    r"[\s*]*$",
    re.IGNORECASE,
)
# "[Original: French]", "[Original : anglais]", "[Original: inglés]".
ORIGINAL_MARK = re.compile(r"^\[\s*Original\s*:\s*(?P<lang>[^\]]+?)\s*\]$", re.IGNORECASE)

# Stop words for telling the language of a text when nothing else says it.
STOP_WORDS: dict[str, frozenset[str]] = {
    "en": _words("the of and to in is that which with by have has this"),
    "fr": _words("le la les des et du est une dans qui par pour au aux"),
    "es": _words("el los las del y que por con una para al es"),
    "ru": _words("и в на не что с по о к от для"),
}

# Ordinals as mastheads spell them ("Eightieth session", "Soixante-quinzième session",
# "Septuagésimo quinto período de sesiones", "Восьмидесятая сессия").
ORDINALS: dict[str, dict[str, int]] = {
    "en": {
        "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
        "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
        "thirteenth": 13, "fourteenth": 14, "fifteenth": 15, "sixteenth": 16,
        "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
        "thirtieth": 30, "fortieth": 40, "fiftieth": 50, "sixtieth": 60, "seventieth": 70,
        "eightieth": 80, "ninetieth": 90, "hundredth": 100,
    },
    "fr": {
        "premier": 1, "première": 1, "unième": 1, "deuxième": 2, "second": 2, "seconde": 2,
        "troisième": 3, "quatrième": 4, "cinquième": 5, "sixième": 6, "septième": 7,
        "huitième": 8, "neuvième": 9, "dixième": 10, "onzième": 11, "douzième": 12,
        "treizième": 13, "quatorzième": 14, "quinzième": 15, "seizième": 16,
        "vingtième": 20, "trentième": 30, "quarantième": 40, "cinquantième": 50,
        "soixantième": 60, "quatrevingtième": 80, "centième": 100,
    },
    "es": {
        "primero": 1, "primer": 1, "segundo": 2, "tercero": 3, "tercer": 3, "cuarto": 4,
        "quinto": 5, "sexto": 6, "séptimo": 7, "sétimo": 7, "octavo": 8, "noveno": 9,
        "nono": 9, "décimo": 10, "decimo": 10, "undécimo": 11, "duodécimo": 12,
        "vigésimo": 20, "trigésimo": 30, "cuadragésimo": 40, "quincuagésimo": 50,
        "sexagésimo": 60, "septuagésimo": 70, "octogésimo": 80, "nonagésimo": 90,
        "centésimo": 100,
    },
    # Russian ordinals by stem, the ending stripped ("восьмидесят|ая", "пят|ая", "трет|ья").
    "ru": {
        "перв": 1, "втор": 2, "трет": 3, "четверт": 4, "пят": 5, "шест": 6, "седьм": 7,
        "восьм": 8, "девят": 9, "десят": 10, "одиннадцат": 11, "двенадцат": 12,
        "тринадцат": 13, "четырнадцат": 14, "пятнадцат": 15, "шестнадцат": 16,
        "семнадцат": 17, "восемнадцат": 18, "девятнадцат": 19, "двадцат": 20,
        "тридцат": 30, "сороков": 40, "пятидесят": 50, "шестидесят": 60,
        "семидесят": 70, "восьмидесят": 80, "девяност": 90, "сот": 100,
    },
}  # fmt: skip
# Cardinals that stand before an ordinal ("Forty-seventh", "soixante-seizième", "семьдесят пятая").
CARDINALS: dict[str, dict[str, int]] = {
    "en": {
        "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90, "one": 0, "hundred": 100, "and": 0,
    },
    "fr": {
        "vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60,
        "quatrevingt": 80, "quatrevingts": 80, "cent": 100, "et": 0, "dix": 10,
    },
    "es": {},
    "ru": {
        "двадцать": 20, "тридцать": 30, "сорок": 40, "пятьдесят": 50, "шестьдесят": 60,
        "семьдесят": 70, "восемьдесят": 80, "девяносто": 90, "сто": 100,
    },
}  # fmt: skip
_RU_ORDINAL_ENDING = re.compile(r"(?:ая|ый|ой|ий|ья|ье|ое|ого|ей)$")


def parse_ordinal(words: str, language: str) -> int | None:
    """Read an ordinal written in words ("Forty-ninth", "Soixante et onzième") as an int.

    The last word must be an ordinal; the words before it cardinals that add up
    ("forty" + "ninth"). Returns None for anything else, so callers can try shorter phrases.

    >>> parse_ordinal("Forty-ninth", "en")
    49
    >>> parse_ordinal("Quatre-vingt-unième", "fr")
    81
    >>> parse_ordinal("Septuagésimo quinto", "es")
    75
    """
    text = words.lower().replace("**", "").strip()
    if language == "fr":
        text = text.replace("quatre-vingt", "quatrevingt").replace("quatre vingt", "quatrevingt")
    tokens = [t for t in re.split(r"[\s\-‐‑]+", text) if t]
    if not tokens:
        return None
    ordinals, cardinals = ORDINALS[language], CARDINALS[language]
    last = tokens[-1]
    if language == "ru":
        last = _RU_ORDINAL_ENDING.sub("", last)
    tens = 0
    if language == "es":
        last = _spanish_masculine(last)
        compound = re.fullmatch(r"d[ée]cimo(\w+)", last)  # "decimoquinto" = 10 + 5
        if compound and compound[1] in ordinals:
            tens, last = 10, compound[1]
    if last not in ordinals:
        return None
    total = tens + ordinals[last]
    for token in tokens[:-1]:
        word = _spanish_masculine(token) if language == "es" else token
        if word in cardinals:
            total += cardinals[word]
        elif language in ("es", "fr") and word in ordinals:
            total += ordinals[word]  # "septuagésimo quinto"; French "dix-septième" via dix
        else:
            return None
    return total


def _spanish_masculine(word: str) -> str:
    """'septuagésima' -> 'septuagésimo'; 'decimoquinto' stays whole for the table lookup."""
    if word.endswith("a") and word[:-1] + "o" in ORDINALS["es"]:
        return word[:-1] + "o"
    return word
