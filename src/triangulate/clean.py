"""Turn a raw document into a clean article: main text, metadata, and every piece
of news boilerplate that was removed, each with a reason code.

The same rule-based cleaner runs on plain text, on Markdown (after its markup is
stripped) and on the main text that trafilatura extracts from HTML. Rules are
generic (cue phrases and line shapes), never tied to one outlet. Nothing is lost:
each removed piece is kept as a :class:`~triangulate.models.Removed` with a code
from :data:`REASONS`, bylines and datelines also become metadata, and the raw
input is stored unmodified on the article. See docs/cleaning.md.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from triangulate.models import Article, RawDocument, Removed, Skipped
from triangulate.readers import resolve_outlet
from triangulate.text import printable, split_sentences

__all__ = [
    "REASONS",
    "CleanedText",
    "clean",
    "clean_many",
    "clean_text",
    "extract_html",
    "markdown_to_text",
]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

#: Reason code -> what the rule removes. Every ``Removed.reason`` is one of these.
REASONS: dict[str, str] = {
    "photo_caption": "a photo caption: the line before or around a photo credit, or a repeat of such a caption",
    "photo_credit": "a photo credit: '(photo credit: X)', 'Photo: X/Reuters', 'Credit: X', 'Getty Images'",
    "contributors": "a contributor note: 'X and Y contributed to this report', 'Reporting by X; Editing by Y'",
    "appeal": "a donation, subscription, membership or newsletter appeal (the whole block of paragraphs)",
    "share": "share / tweet / email / print links and 'follow us on' lines",
    "related": "related-links lines: 'Related:', 'Read more:', 'Recommended', 'Also read' and the link titles under them",
    "advertisement": "advertising markers: 'Advertisement', 'Story continues below', 'Sponsored content'",
    "copyright": "copyright and reuse notices: '(c) 2020 X', 'All rights reserved'",
    "byline": "a byline ('By Jane Doe'); its names are kept in Article.authors",
    "dateline": "a dateline ('WASHINGTON (Reuters) -') or a publication timestamp; kept in Article.dateline / published",
    "title": "the headline repeated as the first line of the body (the title is kept in Article.title)",
    "duplicate_paragraph": "a paragraph identical to, or contained in, another paragraph of the same article",
    "comments": "a reader-comments heading, counter or prompt: 'Leave a comment', '3 Kommentare', 'log in to comment'",
}

#: Fewer kept words than this and an HTML page counts as holding no article.
MIN_HTML_WORDS = 10
#: Fewer kept words than this and any document counts as holding no article ("x", "test", "ok.").
MIN_ARTICLE_WORDS = 3
#: Below this many characters of balanced extraction, trafilatura's ``favor_recall`` is tried too.
MIN_HTML_CHARS = 500
#: Word range of a page summary that may be added as the standfirst (see ``_visible_standfirst``).
STANDFIRST_WORDS = (8, 80)
#: Paragraphs shorter than this (in tokens) are never removed as duplicates.
MIN_DUPLICATE_TOKENS = 6
#: Neutral paragraphs allowed between two appeal paragraphs of one block.
MAX_APPEAL_GAP = 2
#: How many paragraphs before its first cue an appeal block may start.
MAX_APPEAL_LEAD_IN = 4


@dataclass(frozen=True, slots=True)
class CleanedText:
    """The result of :func:`clean_text`: kept text, what was removed, and metadata found."""

    title: str
    paragraphs: tuple[str, ...]
    removed: tuple[Removed, ...]
    authors: tuple[str, ...] = ()
    dateline: str | None = None
    published: str | None = None


# ----------------------------------------------------------------------- patterns

_WS = re.compile(r"[^\S\n]+")
_INVISIBLE = re.compile("[\u00ad\u200b\u2060\ufeff]")
_ENDS_SENTENCE = re.compile(r"""[.!?…]["'”’)\]]*$""")
_ENDS_PERIOD = re.compile(r"""(?<!\.\.)\.["'”’)\]]*$""")
_LETTER = re.compile(r"[^\W\d_]")
_WORDS = re.compile(r"\S+")

_CREDIT_WORDS = (
    r"(?:(?:photo(?:graph)?|image|picture|pic|video|illustration|graphic|cartoon|footage)s?"
    r"|fotos?|bild(?:er)?|zdjęci[ea]|imagen|imagem|fotografía)"
)
_AGENCIES = (
    r"(?:Reuters|AP|AFP|Getty\s+Images|Getty|EPA(?:-EFE)?|EFE|Shutterstock|Flash\s?90|Xinhua|Bloomberg"
    r"|Anadolu(?:\s+Agency)?|Alamy|iStock(?:photo)?|Pool|GPO|SIPA|Sipa|ZUMA(?:\s+(?:Wire|Press))?|dpa|AAP"
    r"|PA(?:\s+(?:Media|Wire))?|Associated\s+Press|NurPhoto|Wikimedia\s+Commons|Unsplash|[Hh]andout)"
)
_CREDIT_BODY = r"[^()\n]{1,120}"
# "(photo credit: X)", "Photo: X/Reuters", "Image courtesy: X", "Credit: X", "Photo by X"
_CREDIT_LINE = re.compile(
    rf"""^\(?\s*(?:
        (?i:{_CREDIT_WORDS})(?:\s+(?i:credit|credits|courtesy|by|source))?\s*[:：]\s*{_CREDIT_BODY}
      | (?i:credits?|courtesy(?:\s+of)?|copyright)\s*[:：]\s*{_CREDIT_BODY}
      | (?i:fot)\.\s+{_CREDIT_BODY}
      | (?i:photo(?:graph)?s?\s+(?:by|courtesy\s+of)|courtesy\s+of|image\s+(?:source|copyright))\s*[:,]?\s+{_CREDIT_BODY}
      | [^()\n.!?]{{0,80}}?\s*/\s*{_AGENCIES}(?:\s+via\s+[^()\n]{{1,60}})?
      | {_AGENCIES}(?:\s+(?i:photo|images?))?(?:\s*/\s*[^()\n]{{1,60}})?
    )\s*\)?\.?$""",
    re.X,
)
# "Caption text (photo credit: X)", "Caption. (AP Photo/Jane Roe)", "Caption. Photo: X/Reuters"
_INLINE_CREDIT = re.compile(
    rf"""^(?P<caption>.+?)\s*(?P<credit>
        \(\s*(?i:{_CREDIT_WORDS})(?:\s+(?i:credit|credits|courtesy|by|source))?\s*[:：]\s*[^()\n]{{1,120}}\)
      | \((?:[^()\n]{{0,60}}/\s*)?{_AGENCIES}(?:\s+(?i:photo|images?))?(?:\s*/\s*[^()\n]{{1,60}})?\)
      | (?<=[.!?])\s*(?i:{_CREDIT_WORDS})(?:\s+(?i:credit|by))?\s*:\s*[^()\n.]{{1,80}}
      | (?<=[.!?])\s*©(?!\s*\d)\s*[^()\n.©]{{1,80}}
    )\s*\.?$""",
    re.X,
)
_IMAGE_CAPTION = re.compile(r"^(?i:image\s+caption|caption)\s*[,:]\s*(?P<caption>.+)$")

_CONTRIBUTED = re.compile(
    r"(?i)\bcontribut(?:ed|ing)\s+(?:additional\s+)?(?:reporting|to\s+(?:this|the)\s+(?:report|story|article))\b"
)
_REPORTING_BY = re.compile(
    r"^\(?\s*(?i:additional\s+)?(?i:reporting|writing|editing|edited|compiled|research|fact-checking|graphics)"
    r"\s+(?i:by|from)\s+[A-Z]"
)

_SHARE_WORDS = frozenset(
    """share shares sharing tweet tweets email e-mail mail print copy copied link url clipboard facebook twitter
    x whatsapp linkedin reddit telegram pinterest flipboard messenger pocket tumblr threads bluesky mastodon
    sms save bookmark comments comment this article story page post on via to the with friend friends a or
    and your by""".split()
)
_SHARE_CORE = frozenset(
    """share shares sharing tweet email e-mail print facebook twitter whatsapp linkedin reddit telegram
    pinterest flipboard messenger tumblr bluesky mastodon""".split()
)
_FOLLOW = re.compile(
    r"(?i)^(?:follow|like|join|find)\s+(?:us|@\w+|[\w.'’]+(?:\s[\w.'’]+)?)\s+on\s+"
    r"(?:twitter|facebook|instagram|x|telegram|linkedin|youtube|tiktok|threads|whatsapp|google\s+news|bluesky)\b"
    r"|^click\s+(?:here\s+)?to\s+(?:share|email|print|tweet)\b"
    r"|^(?:folgen\s+sie\s+uns|folge\s+uns|síguenos|suivez-nous|seguici|siga-nos|obserwuj\s+nas|volg\s+ons)\s+(?:auf|en|sur|su|no|na|op)\s+"
)
# The outlet's own channels and apps: "our Telegram channel", "download our apps for iOS and Android".
_CHANNEL_PROMO = re.compile(
    r"(?i)\b(?:canal|channel|kanal|chaîne)\s+(?:de\s+|on\s+|auf\s+|sur\s+|na\s+)?(?:telegram|whatsapp|youtube)\b"
    r"|\b(?:telegram|whatsapp|youtube)[- ](?:channel|kanal)\b"
    r"|\bapps?\s+(?:for|für|para|pour)\s+(?:ios|android|iphone)\b|\b(?:app\s+store|google\s+play)\b"
)
# ... said by the outlet: a call to act at the start of the line ("Download our app"), or
# its own voice just before the channel or app ("our Telegram channel", "unsere App").
_PROMO_START = re.compile(
    r"(?i)^\W*(?:download|get|install|join|subscribe|follow|herunterladen|laden\s+sie|abonniere\w*|folge\w*|únete"
    r"|descarga\w*|suscríbete|síguenos|baixe|téléchargez|rejoignez|suivez)\b"
)
# Verbs that only a promotion uses before an app or a channel ("... download the X apps").
_PROMO_VERB = re.compile(r"(?i)\b(?:download|install|subscribe|herunterladen|installieren|descarga\w*|baixe|téléchargez)\b")
_OUR = frozenset("our unser unsere unseren unserem unserer nuestro nuestra nuestros nuestras notre nos nasz nasza naszej naszą naszego".split())


def _is_channel_promo(text: str) -> bool:
    """The outlet advertising its own channel or app, not news about one."""
    m = _CHANNEL_PROMO.search(text)
    if m is None:
        return False
    if _PROMO_START.match(text) or _PROMO_VERB.search(text[: m.start()]):
        return True
    before = [w.strip(".,:;!?\"'()") for w in text[: m.start()].lower().split()[-3:]]
    return any(w in _OUR for w in before) or m.group(0).lower().split()[0] in _OUR


_RELATED = re.compile(
    r"""(?ix)^(?:
        related(?:\s+(?:articles?|stories|coverage|content|news|topics|links|reading|posts?|videos?))?
      | read\s+(?:more|also|next)(?:\s+(?:about|on)\s+[^:]{1,40})? | also\s+read | see\s+also
      | more\s+on\s+(?:this|the)\s+(?:story|topic|subject) | recommended(?:\s+(?:for\s+you|articles?|stories|reading))?
      | you\s+(?:may|might)\s+also\s+(?:like|be\s+interested\s+in) | more\s+from\s+[\w .'’&-]{1,30}
      | most\s+(?:read|popular|viewed|shared) | more\s+stories | top\s+stories | trending(?:\s+now)?
      | further\s+reading | editor[’']?s?\s+picks? | don[’']?t\s+miss | must\s+read | more\s+news | latest\s+news
      # the same cues in the languages news is most often read in
      | (?:lesen\s+sie\s+(?:auch|hier|mehr|weiter)|auch\s+(?:interessant|lesen)|schon\s+gelesen|zum\s+weiterlesen
         |das\s+könnte\s+(?:sie|dich)\s+(?:auch\s+)?interessieren|mehr\s+zum\s+thema|passend\s+zum\s+thema
         |weitere\s+(?:aktuelle\s+)?(?:artikel|beiträge|themen|nachrichten|meldungen)(?:\s+[\w .'’&-]{1,40})?
         |weiterführende[rn]?\s+(?:links?|artikel|informationen)|verwandte\s+(?:artikel|themen)|ähnliche\s+artikel|meistgelesen(?:e\s+artikel)?|top-themen(?:\s+[\w .'’&-]{1,30})?)
      | (?:à\s+lire\s+aussi|a\s+lire\s+aussi|lire\s+aussi|voir\s+aussi|à\s+voir\s+aussi|sur\s+le\s+même\s+sujet|les\s+plus\s+lus)
      | (?:lee\s+también|lea\s+también|(?:te|le)\s+puede\s+interesar|puede\s+interesarte|vea\s+también|ver\s+también
         |mira\s+también|mire|puedes\s+ver|noticias\s+relacionadas|lo\s+más\s+leído|más\s+sobre\s+[\w .'’&-]{1,30})
      | (?:leia\s+(?:também|mais)|veja\s+(?:também|mais)|saiba\s+mais|mais\s+lidas)
      | (?:leggi\s+anche|potrebbe\s+interessarti|vedi\s+anche|articoli\s+correlati)
      | (?:czytaj\s+(?:też|także|więcej)|zobacz\s+(?:też|także)|dowiedz\s+się\s+więcej|polecamy)
      | (?:lees\s+ook|lees\s+meer|meer\s+over\s+[\w .'’&-]{1,30})
      | (?:tags|topics|themen|schlagw(?:ö|oe)rter|schlagworte|temas|etiquetas|mots-clés|tagi)
      | (?:next|previous)\s+(?:article|story|post) | (?:vorschau\s+auf\s+den\s+)?nächsten?\s+artikel
      | article\s+(?:suivant|précédent) | artículo\s+(?:siguiente|anterior)
    )\s*(?:[:|»>\-–—?]+\s*(?P<rest>.*))?$"""
)
_WATCH = re.compile(r"^(?:WATCH|LISTEN|Watch|Listen|VIDEO|Video)\s*:\s*\S")

_ADVERT = re.compile(
    r"""(?ix)^\[?(?:advertisement|advertising|ad|sponsored(?:\s+(?:content|post|links?))?
      | paid\s+(?:content|post|partner\s+content) | (?:story|article)\s+continues\s+(?:below|after)(?:\s+(?:this\s+)?(?:advertisement|ad))?
      | continue\s+reading\s+(?:below|the\s+main\s+story) | scroll\s+(?:down\s+)?to\s+continue(?:\s+(?:with|reading)\s+content)?
    )\]?\s*[:.]?$"""
)
_COPYRIGHT = re.compile(
    r"(?i)^(?:©|\(c\)\s*\d{4}|copyright\s*(?:©|\(c\))?\s*\d{4})|\ball\s+rights\s+reserved\b"
    r"|^this\s+(?:material|article|story|content)\s+may\s+not\s+be\s+(?:published|reproduced|broadcast|copied)"
    r"|\bis\s+the\s+copyrighted\s+property\s+of\b"
    r"|\bpermission\s+must\s+be\s+obtained\b.{0,80}\b(?:copyright\w*|reproduc\w*|republish\w*|reprint\w*)\b"
    r"|\b(?:copyright\w*|reproduc\w*|republish\w*|reprint\w*)\b.{0,80}\bpermission\s+must\s+be\s+obtained\b"
    r"|\balle\s+rechte\s+vorbehalten\b|\btous\s+droits\s+réservés\b|\btodos\s+los\s+derechos\s+reservados\b"
    r"|\bwszelkie\s+prawa\s+zastrzeżone\b|\bchronion[ya]\s+prawem\s+autorskim\b|\btutti\s+i\s+diritti\s+riservati\b"
    r"|\btodos\s+os\s+direitos\s+reservados\b|\balle\s+rechten\s+voorbehouden\b"
)
_COPYRIGHT_START = re.compile(r"(?i)^\W*(?:©|\(c\)|copyright\b|all\s+rights\s+reserved)")
_COPYRIGHT_HINTS = ("©", "(c)", "copyright", "rights", "may not", "rechte", "droits", "derechos", "prawa", "prawem", "diritti", "direitos", "rechten", "permission")

# Comment sections and login prompts that extraction keeps ("Leave a comment", "3 Kommentare").
_COMMENT_WORD = r"(?:comments?|kommentare?n?|commentaires?|comentarios?|komentarz[ey]?|commenti|commento|reacties|reactie)"
_FEW = r"(?:\s+\S+){0,8}"
_COMMENTS = re.compile(
    rf"""(?ix)^(?:
        \d+\s+{_COMMENT_WORD} | {_COMMENT_WORD}\s*(?:\(\d+\)|:?\s*\d+)?
      | (?:no|keine|aucun|sin|brak|nessun)\s+{_COMMENT_WORD}(?:\s+(?:yet|so\s+far|bisher|vorhanden))?[.!]?(?:\s*\([^)]*\))?
      | (?:neueste|latest|recent|letzte|derniers)\s+{_COMMENT_WORD}
      | (?:leave|post|add|write|view|show|read)\s+(?:a\s+|your\s+|all\s+)?(?:\d+\s+)?{_COMMENT_WORD}\b{_FEW}
      | {_COMMENT_WORD}\s+(?:schreiben|verfassen|anzeigen|insgesamt)\b{_FEW}
      | (?:dejá|deja|escribe)\s+(?:tu|un|su)\s+comentario\b{_FEW}
      | (?:laisser|ajouter|écrire)\s+un\s+commentaire\b{_FEW}
      | (?:\S+\s+){{0,3}}(?:log(?:ged)?\s*in|sign(?:ed)?\s*in|register(?:ed)?|registriert|eingeloggt|angemeldet|connecté)\b
        .{{0,40}}\b(?:to|um|pour|para)\b.{{0,30}}\b{_COMMENT_WORD}\b.{{0,40}}
      | (?:you\s+(?:must|need\s+to)\s+be|du\s+musst|sie\s+müssen)\s+(?:logged\s+in|eingeloggt|angemeldet)\b.*
      | (?:you\s+are|sie\s+sind|du\s+bist)\s+(?:aktuell\s+|currently\s+)?(?:not|nicht)\s+(?:logged\s+in|eingeloggt|angemeldet)\b.*
    )$"""
)
_LOGIN_HINT = re.compile(r"(?i)comment|kommentar|comentario|komentarz|commento|reactie|logged|eingeloggt|angemeldet")

_BYLINE = re.compile(r"^(?:[Bb]y|BY|(?:[Ww]ritten|[Ss]tory|[Ww]ords|[Rr]eported)\s+by)\s*:?\s+(?P<names>\S.*?)\s*$")
_NAME_SPLIT = re.compile(r"\s*(?:,|;|\||\band\b|&|\bwith\b)\s*")
_NAME_PARTICLES = frozenset("de da di del della van von der den al el bin ben la le du dos das y st. jr. sr. ii iii".split())
_ROLE = re.compile(
    r"(?i)^(?:(?:senior|chief|staff|special|political|foreign|diplomatic|defen[cs]e|military|news|sports|business)\s+)?"
    r"(?:staff(?:\s+writer)?|correspondent|reporter|writer|editor|contributor|columnist|analyst)s?$"
)

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE = rf"(?:{_MONTH}\s+\d{{1,2}}(?:,?\s+\d{{4}})?|\d{{1,2}}\s+{_MONTH}(?:,?\s+\d{{4}})?)"
_CAPS_PLACE = r"[A-Z][A-Z'’.\-]*[A-Z.](?:\s+[A-Z][A-Z'’.\-]*[A-Z.]){0,3}"
_MIXED_PLACE = r"[A-Z][a-z]+(?:[\s-][A-Z][a-z]+){0,2}"
_REGION = r"(?:,\s*[A-Z][A-Za-z.]+(?:\s[A-Z][A-Za-z.]+)?)?"
_AGENCY_TAG = r"\([A-Z][A-Za-z&.\- ]{1,30}\)"
_DATELINE = re.compile(
    rf"""^(?P<dl>
        {_CAPS_PLACE}{_REGION}(?:,\s*{_DATE})?(?:\s*{_AGENCY_TAG})?
      | {_MIXED_PLACE}{_REGION}(?:,\s*{_DATE}(?:\s*{_AGENCY_TAG})?|\s*{_AGENCY_TAG})
    )(?P<sep>\s*(?:[-–—]+|:)\s+|\s*[-–—]+\s*$)""",
    re.X,
)
_NOT_PLACES = frozenset(
    "BREAKING UPDATE UPDATED EXCLUSIVE WATCH LISTEN LIVE ANALYSIS OPINION EDITORIAL VIDEO PHOTOS NOTE "
    "CORRECTION COMMENT REVIEW INTERVIEW FACT CHECK Q&A".split()
)
_WEEKDAY = r"(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs)?|Fri|Sat(?:ur)?|Sun)(?:day)?\.?"
_TIME = r"\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?|[AP]M)?(?:\s*\(?[A-Z]{2,5}\)?)?"
_STAMP = (
    rf"(?:(?:{_WEEKDAY},?\s+)?(?:{_DATE}|\d{{4}}-\d{{2}}-\d{{2}}(?:[ T]\d{{2}}:\d{{2}}(?::\d{{2}})?(?:\.\d+)?(?:Z|[+-]\d{{2}}:?\d{{2}})?)?"
    rf"|\d{{1,2}}[./]\d{{1,2}}[./]\d{{2,4}})(?:(?:,|\s+at|\s+[-|])?\s+{_TIME})?|{_TIME})"
)
_TIMESTAMP = re.compile(
    rf"""(?x)^(?:
        (?P<label>(?i:published|updated|posted|last\s+updated|first\s+published|modified|date))(?:\s+(?i:on|at))?\s*:?\s*
        (?P<value>{_STAMP})
      | {_STAMP}
    )\.?$"""
)

_APPEAL_CUES = re.compile(
    r"""(?ix)\b(?:
        donat(?:e|es|ed|ing|ion|ions) | support\s+(?:[\w'’-]+\s+){0,2}journalism | support\s+us
      | your\s+(?:support|generosity|contribution|gift) | (?:make|making)\s+a\s+(?:gift|contribution|donation)
      | contributions?\s+you\s+(?:can\s+)?make | subscri(?:be|bing|ption|ptions) | newsletters?
      | sign\s*-?\s*up(?=\s+(?:now|today|here|free|for\s+(?:our|the|a|free)|to\s+(?:our|receive|get))|\s*[!.:]|\s*$)
      | become\s+a\s+(?:member|subscriber|supporter|patron|friend)
      | generosity | reader-(?:supported|funded) | (?:readers|supporters)\s+like\s+you | paywall | free\s+trial
      | unlimited\s+(?:digital\s+)?access | already\s+a\s+(?:subscriber|member)
      | premium\s+(?:content|subscription|access|membership) | patreon | ad-free | mailing\s+list
      | (?:in|to)\s+your\s+inbox | independent\s+journalism | quality\s+journalism | chip\s+in
    )\b"""
)
# Cheap substring checks that must pass before the cue regex runs (speed: most
# paragraphs hold none of them).
_APPEAL_STEMS = (
    "donat", "journalism", "support", "subscri", "newsletter", "sign", "member", "generosity", "reader",
    "paywall", "trial", "access", "patreon", "ad-free", "mailing", "inbox", "chip in", "contribution", "gift",
    "premium",
)


def _has_appeal_cue(text: str) -> bool:
    low = text.lower()
    return any(stem in low for stem in _APPEAL_STEMS) and _APPEAL_CUES.search(text) is not None


# A heading opens an appeal only when it asks for something ("Support ...",
# "Subscribe ...", "Donate"), so that a news headline about subscribers does not.
_APPEAL_HEADING = re.compile(
    r"(?i)^(?:please\s+)?(?:support|subscribe|donate|sign\s*(?:-\s*)?up|join|become|get\s+(?:our|the)|help\s+us"
    r"|give|back\s+us|chip\s+in|newsletters?\b|stay\s+informed|never\s+miss)"
)
# The outlet speaking to its reader. Case-sensitive: "US" is a country.
_VOICE = re.compile(r"\b(?:[Ww]e|[Oo]urs?|us|[Yy]ou|[Yy]ours?)\b")
_VOICE_WE = re.compile(r"\b(?:[Ww]e|[Oo]urs?|us)\b")
_NEWS_VERBS = re.compile(
    r"(?i)\b(?:said|says|told|according\s+to|reported|reports|announced|stated|explained|declined|confirmed|denied|added)\b"
)
_QUOTED = re.compile(r"""["“”«»„][^"“”«»„]*["“”«»„]?""")
_DOUBLE_QUOTES = re.compile(r"""["“”«»„]""")

# Markdown
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)|\[([^\]]+)\]\[[^\]]*\]")
_MD_REFDEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$")
_MD_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_EM = re.compile(r"(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\1(?![\w*])")
_MD_STRIKE = re.compile(r"~~(.+?)~~")
_MD_CODE = re.compile(r"`+([^`]+)`+")
_MD_QUOTE = re.compile(r"^\s{0,3}(?:>\s?)+")
_MD_LIST = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
_MD_RULE = re.compile(r"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")
_MD_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_MD_TAG = re.compile(r"</?[A-Za-z][^>\n]*>")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<body>.*?)\n---[ \t]*(?:\n|\Z)", re.S)
_FM_LINE = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:\s*(?P<value>.*)$")


# ---------------------------------------------------------------------- segments


class _Seg:
    """A paragraph candidate while rules run (mutable, local to one call)."""

    __slots__ = ("text", "block", "removed", "pre", "_key", "_words")

    def __init__(self, text: str, block: int = 0) -> None:
        self.text = text
        self.block = block
        self.removed: list[Removed] | None = None
        self.pre: list[Removed] = []
        self._key: str | None = None
        self._words: int | None = None

    @property
    def kept(self) -> bool:
        return self.removed is None

    def drop(self, reason: str, pieces: list[Removed] | None = None) -> None:
        self.removed = pieces if pieces is not None else [Removed(self.text, reason)]

    @property
    def key(self) -> str:
        if self._key is None:
            self._key = _word_key(self.text)
        return self._key

    @property
    def words(self) -> int:
        if self._words is None:
            self._words = len(_WORDS.findall(self.text))
        return self._words


_KEY_WORD = re.compile(r"[^\W_]+")


def _word_key(text: str) -> str:
    """Lower-cased words joined by single spaces: punctuation, quote style and
    spacing do not matter when comparing paragraphs."""
    return " ".join(_KEY_WORD.findall(text.lower()))


def _tidy(line: str) -> str:
    return _WS.sub(" ", _INVISIBLE.sub("", line)).strip()


def _headline_like(text: str, max_words: int = 25) -> bool:
    words = len(_WORDS.findall(text))
    return (
        0 < words <= max_words
        and len(text) <= 250
        and _LETTER.search(text) is not None
        and not _ENDS_PERIOD.search(text)
        and not text.endswith((":", ",", ";"))
    )


def _line_rule(text: str) -> list[Removed] | None:
    """Single-line rules: the pieces a whole line is removed as, or None to keep it."""
    words = len(_WORDS.findall(text))
    if words == 0:
        return None
    if words <= 40:
        if _CREDIT_LINE.match(text) and words <= 25:
            return [Removed(text, "photo_credit")]
        m = _IMAGE_CAPTION.match(text)
        if m:
            return [Removed(text, "photo_caption")]
        m = _INLINE_CREDIT.match(text) if text.endswith((")", ").")) or ":" in text or "©" in text else None
        if m and len(_WORDS.findall(m.group("caption"))) <= 40:
            return [
                Removed(m.group("caption").strip(), "photo_caption"),
                Removed(text[m.start("credit") :].strip(), "photo_credit"),
            ]
    low = text.lower()
    if words <= 60 and (("contribut" in low and _CONTRIBUTED.search(text)) or _is_reporting_credit(text, words)):
        return [Removed(text, "contributors")]
    if words <= 12:
        if _is_share(text):
            return [Removed(text, "share")]
        if _RELATED.match(text) or _WATCH.match(text):
            return [Removed(text, "related")]
        if _ADVERT.match(text):
            return [Removed(text, "advertisement")]
    elif words <= 25:
        m = _RELATED.match(text)
        if m and _headline_like(m.group("rest") or "", 22):
            return [Removed(text, "related")]
    if words <= 50 and any(h in low for h in _COPYRIGHT_HINTS) and _COPYRIGHT.search(text):
        # A notice opens the line or is the whole of it; a news sentence that mentions one is news.
        if _COPYRIGHT_START.match(text) or not _newsy(text):
            return [Removed(text, "copyright")]
    if 12 < words <= 30 and _is_channel_promo(text) and not _newsy(text):
        return [Removed(text, "share")]
    if words <= 20 and _LOGIN_HINT.search(text) and not _newsy(text) and _COMMENTS.match(text):
        return [Removed(text, "comments")]
    if words <= 16 and _byline_names(text) is not None:
        return [Removed(text, "byline")]
    if words <= 16 and (_TIMESTAMP.match(text) or _only_time_words(text)):
        return [Removed(text, "dateline")]
    return None


_STAMP_WORDS = frozenset(
    """updated posted published modified last first on at am pm a m p gmt utc bst cet cest est edt cst cdt mst mdt
    pst pdt ist jst aest monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri
    sat sun january february march april may june july august september october november december jan feb mar apr
    jun jul aug sep sept oct nov dec""".split()
)


_HAS_DIGIT = re.compile(r"\d")
_STAMP_TOKEN = re.compile(r"[a-z]+|\d+")


def _only_time_words(text: str) -> bool:
    """A line of nothing but a date and a time, with or without a label: "Friday, Sep 10,
    2010 | Updated 8:52 PM EDT", "WEDNESDAY, APRIL 24, 2013, 10:34 AM", "April 24, 2013-4:45pm"."""
    if not _HAS_DIGIT.search(text):
        return False
    words = _STAMP_TOKEN.findall(text.lower())
    digits = sum(w.isdigit() for w in words)
    named = sum(w in _STAMP_WORDS and len(w) > 2 and w not in ("last", "first") for w in words)
    return digits >= 2 and named >= 1 and all(w.isdigit() or w in _STAMP_WORDS for w in words)


def _is_reporting_credit(text: str, words: int) -> bool:
    if not _REPORTING_BY.match(text) or words > 30:
        return False
    return ";" in text or "editing" in text.lower() or text.endswith(")") or not _ENDS_PERIOD.search(text) or words <= 12


def _is_share(text: str) -> bool:
    if _FOLLOW.match(text):
        return True
    if _is_channel_promo(text):
        return not _newsy(text)
    toks = [t.strip(".:!|·•/-") for t in text.lower().split()]
    toks = [t for t in toks if t]
    if not toks or toks == ["x"]:
        return False
    return all(t in _SHARE_WORDS for t in toks) and any(t in _SHARE_CORE for t in toks)


def _byline_names(text: str) -> tuple[str, ...] | None:
    """Author names of a byline line, or None when the line is not a byline."""
    m = _BYLINE.match(text)
    if not m:
        return None
    names: list[str] = []
    for part in _NAME_SPLIT.split(m.group("names").rstrip(".")):
        part = part.strip(" .-–—|")
        if not part:
            continue
        words = part.split()
        if len(words) > 5:
            return None
        ok = all(w[:1].isupper() or w.lower() in _NAME_PARTICLES or not _LETTER.search(w) for w in words)
        if not ok:
            return None
        if _ROLE.match(part) or any(ch.isdigit() for ch in part):
            continue
        names.append(part)
    return tuple(names) if names or m.group("names") else None


#: A paragraph at least this long may end in an appeal run into it ("... in white delivered
#: to your inbox - subscribe to News18 Daybreak. Follow News18.com on Twitter ...").
MIN_WORDS_FOR_TAIL = 50


def _split_appeal_tails(segs: list[_Seg]) -> list[_Seg]:
    """A long paragraph whose last sentences are an appeal in the outlet's or the reader's
    voice (text scraped without paragraph breaks) is split there: the appeal is then
    judged on its own, and the news before it is kept, not removed with it."""
    out: list[_Seg] = []
    for seg in segs:
        if seg.words < MIN_WORDS_FOR_TAIL or not _has_appeal_cue(seg.text):
            out.append(seg)
            continue
        sentences = split_sentences(seg.text)
        cut = next((k for k in range(1, len(sentences)) if _has_appeal_cue(sentences[k])), None)
        if cut is None:
            out.append(seg)
            continue
        head, tail = " ".join(sentences[:cut]), " ".join(sentences[cut:])
        if _newsy(tail) or not _voice(tail) or len(_WORDS.findall(head)) < len(_WORDS.findall(tail)):
            out.append(seg)
            continue
        out.extend((_Seg(head, seg.block), _Seg(tail, seg.block)))
    return out


def _split_segments(text: str, *, unwrap: bool) -> list[_Seg]:
    """Blocks at blank lines; inside a block one paragraph per line, unless the
    lines look hard-wrapped, in which case they are joined."""
    lines = [_tidy(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    segs: list[_Seg] = []
    block: list[str] = []
    first = True

    def flush() -> None:
        nonlocal first
        if not block:
            return
        number = len(segs)
        if unwrap and len(block) > 1:
            segs.extend(_Seg(p, number) for p in _unwrap(block, first_of_doc=first))
        elif unwrap:
            segs.extend(_Seg(p, number) for p in block)
        else:  # lines known to be paragraphs: each is its own block
            segs.extend(_Seg(p, number + k) for k, p in enumerate(block))
        first = False
        block.clear()

    for line in lines:
        if line:
            block.append(line)
        else:
            flush()
    flush()
    return segs


def _unwrap(block: list[str], *, first_of_doc: bool) -> list[str]:
    out: list[str] = []
    run: list[str] = []
    for i, line in enumerate(block):
        alone = _line_rule(line) is not None
        if first_of_doc and i == 0 and len(block) > 1 and _headline_like(line, 20) and block[1][:1].isupper():
            alone = True
        if alone:
            out.extend(_join_run(run))
            run = []
            out.append(line)
        else:
            run.append(line)
    out.extend(_join_run(run))
    return out


def _join_run(lines: list[str]) -> list[str]:
    """Join hard-wrapped lines: similar widths (20-110 characters) and at least
    one line that visibly continues on the next."""
    if len(lines) < 2:
        return list(lines)
    body = lines[:-1]
    width = max(len(line) for line in body)
    if not 20 <= width <= 110:
        return list(lines)
    if sum(len(line) >= 0.55 * width for line in body) < 0.75 * len(body):
        return list(lines)
    continues = [
        not _ENDS_SENTENCE.search(a) or b[:1].islower() for a, b in zip(lines, lines[1:], strict=False)
    ]
    if not any(continues):
        return list(lines)
    if len(lines) == 2 and not (lines[1][:1].islower() or (len(lines[0]) >= 40 and continues[0])):
        return list(lines)
    paras: list[str] = []
    cur: list[str] = []
    for k, line in enumerate(lines):
        cur.append(line)
        nxt = lines[k + 1] if k + 1 < len(lines) else ""
        if nxt and _ENDS_SENTENCE.search(line) and len(line) < 0.7 * width and not nxt[:1].islower():
            paras.append(" ".join(cur))
            cur = []
    if cur:
        paras.append(" ".join(cur))
    return paras


# -------------------------------------------------------------------------- rules


def _apply_line_rules(segs: list[_Seg]) -> None:
    for seg in segs:
        pieces = _line_rule(seg.text)
        if pieces is not None:
            seg.drop(pieces[0].reason, pieces)


def _apply_caption_context(segs: list[_Seg]) -> None:
    """Captions around credits: the line before a stand-alone credit, and any
    later repeat of a caption (with or without its credit)."""
    captions: set[str] = set()
    for i, seg in enumerate(segs):
        if seg.removed is None:
            continue
        for piece in seg.removed:
            if piece.reason == "photo_caption":
                captions.add(_word_key(piece.text))
        is_credit = len(seg.removed) == 1 and seg.removed[0].reason == "photo_credit"
        if is_credit and i > 1:
            prev = segs[i - 1]
            adjacent = prev.block == seg.block
            if prev.kept and prev.words <= 35 and (adjacent or _headline_like(prev.text, 30)) and not prev.text.endswith(":"):
                prev.drop("photo_caption")
                captions.add(prev.key)
    captions.discard("")
    if captions:
        for seg in segs:
            if seg.kept and seg.key in captions:
                seg.drop("photo_caption")


def _apply_related_lists(segs: list[_Seg]) -> None:
    """A bare 'Related' / 'Read more' heading takes the link titles under it."""
    i = 0
    while i < len(segs):
        seg = segs[i]
        m = _RELATED.match(seg.text) if seg.removed and seg.removed[0].reason == "related" else None
        if m and not (m.group("rest") or "").strip():
            j = i + 1
            while j < len(segs) and j - i <= 8:
                nxt = segs[j]
                if not (nxt.kept and _headline_like(nxt.text, 16) and not _DOUBLE_QUOTES.search(nxt.text[:1])):
                    break
                nxt.drop("related")
                j += 1
            i = j
        else:
            i += 1


def _voice(text: str, pattern: re.Pattern[str] = _VOICE) -> int:
    """How often the outlet addresses the reader (outside quotations)."""
    return len(pattern.findall(_QUOTED.sub(" ", text)))


def _newsy(text: str) -> bool:
    return bool(_NEWS_VERBS.search(text) or _DOUBLE_QUOTES.search(text))


def _apply_appeals(segs: list[_Seg]) -> None:
    """Donation / subscription / newsletter appeals, removed as whole blocks.

    A block starts at a paragraph (or heading) with an appeal cue that is not
    news (no reporting verb, no quotation) and either speaks to the reader
    (we / our / you) or is a short heading asking for something. It takes in
    its heading and lead-in (see _appeal_lead_in), then runs on through
    paragraphs with more cues or in the outlet's own voice (we / our), bridging
    at most MAX_APPEAL_GAP neutral paragraphs, and stops at the first paragraph
    that reads like news.
    """
    n = len(segs)
    i = 0
    while i < n:
        seg = segs[i]
        if not (seg.kept and _is_appeal_start(seg)):
            i += 1
            continue
        last = i
        gap = 0
        j = i + 1
        while j < n:
            nxt = segs[j]
            if not nxt.kept:
                j += 1
                continue
            if _newsy(nxt.text):
                break
            if _has_appeal_cue(nxt.text) or _voice(nxt.text, _VOICE_WE):
                last = j
                gap = 0
            else:
                gap += 1
                if gap > MAX_APPEAL_GAP:
                    break
            j += 1
        start = _appeal_lead_in(segs, i)
        for k in range(start, last + 1):
            if segs[k].kept:
                segs[k].drop("appeal")
        i = last + 1


def _appeal_lead_in(segs: list[_Seg], i: int) -> int:
    """Where an appeal found at ``i`` really starts: its heading ("Keep Local News
    Alive") and the paragraphs in the outlet's voice just before the first cue
    belong to it. Looks back at most MAX_APPEAL_LEAD_IN paragraphs and stops at
    anything that reads like news."""
    start = i
    gap = 0
    for k in range(i - 1, max(-1, i - 1 - MAX_APPEAL_LEAD_IN), -1):
        seg = segs[k]
        if not seg.kept:
            if seg.removed == []:  # the title
                break
            continue
        if _newsy(seg.text):
            break
        if _headline_like(seg.text, 12):
            # A heading right above the block, or above a neutral paragraph that
            # the outlet's own voice already ties to the block.
            return k if gap == 0 or start < i else start
        if _voice(seg.text, _VOICE_WE) >= 2 or _has_appeal_cue(seg.text):
            start, gap = k, 0
        else:
            gap += 1
            if gap > MAX_APPEAL_GAP:
                break
    return start


def _is_appeal_start(seg: _Seg) -> bool:
    text = seg.text
    if not _has_appeal_cue(text) or _newsy(text):
        return False
    return _voice(text) > 0 or (_headline_like(text, 12) and _APPEAL_HEADING.match(text) is not None)


def _apply_title(segs: list[_Seg], title: str | None, find_title: bool) -> str:
    first = next((s for s in segs if s.kept), None)
    if title:
        if first is not None and first.key and first.key == _word_key(title):
            first.drop("title")
        return title
    if not find_title or first is None:
        return ""
    rest = any(s.kept for s in segs if s is not first)
    if rest and _headline_like(first.text) and _DATELINE.match(first.text) is None:
        first.removed = []  # consumed as the title: neither kept nor "removed"
        return first.text
    return ""


def _apply_dateline(segs: list[_Seg]) -> str | None:
    """A dateline opening one of the first body paragraphs becomes metadata."""
    seen = 0
    for seg in segs:
        if not seg.kept:
            continue
        seen += 1
        if seen > 3:
            return None
        m = _DATELINE.match(seg.text)
        if not m:
            continue
        place = m.group("dl")
        if ":" in m.group("sep") and not re.search(r"[\d(]", place):
            continue  # "NAME:" is a speaker label or a kicker, not a dateline
        if place.split(",")[0].strip().upper() in _NOT_PLACES or place.split()[0].rstrip(":") in _NOT_PLACES:
            continue
        rest = seg.text[m.end() :].strip()
        if rest and not (rest[0].isupper() or rest[0].isdigit() or rest[0] in "\"'“‘("):
            continue
        prefix = seg.text[: m.end()].strip()
        if rest:
            seg.pre.append(Removed(prefix, "dateline"))
            seg.text = rest
            seg._key = None
            seg._words = None
        else:
            seg.drop("dateline")
        return place.strip()
    return None


#: A paragraph is looked for inside the paragraphs up to this many places before and after
#: it (all of them in any news article; a text of many thousands stays linear).
DUPLICATE_WINDOW = 500


def _apply_duplicates(segs: list[_Seg]) -> None:
    """A paragraph identical to, or contained in, another counts once: the
    contained (or, for identical ones, the earlier) copy is removed.

    All word keys are joined into one string, so finding where else a paragraph
    occurs is one C-level substring search per paragraph, over the paragraphs
    within :data:`DUPLICATE_WINDOW` of it."""
    kept = [s for s in segs if s.kept and s.key.count(" ") + 1 >= MIN_DUPLICATE_TOKENS]
    if len(kept) < 2:
        return
    # Identical copies first, by their key: all but the last go (a text repeating one
    # paragraph thousands of times stays linear).
    last = {seg.key: seg for seg in kept}
    for seg in kept:
        if last[seg.key] is not seg:
            seg.drop("duplicate_paragraph")
    kept = [seg for seg in kept if seg.kept]
    if len(kept) < 2:
        return
    offsets: list[int] = []
    parts: list[str] = []
    pos = 0
    for seg in kept:
        offsets.append(pos)
        part = f" {seg.key} \x00"
        parts.append(part)
        pos += len(part)
    haystack = "".join(parts)
    offsets.append(pos)
    for a, seg in enumerate(kept):
        needle = parts[a][:-1]
        lo, hi = offsets[max(0, a - DUPLICATE_WINDOW)], offsets[min(len(kept), a + DUPLICATE_WINDOW + 1)]
        start = haystack.find(needle, lo, hi)
        while start != -1:
            b = bisect_right(offsets, start) - 1
            if b != a and kept[b].kept:  # contained in another paragraph still kept
                seg.drop("duplicate_paragraph")
                break
            start = haystack.find(needle, start + 1, hi)


# ------------------------------------------------------------------------ public


def clean_text(
    text: str,
    *,
    title: str | None = None,
    find_title: bool = True,
    unwrap: bool = True,
) -> CleanedText:
    """Remove news boilerplate from plain text.

    Args:
        text: the article text (paragraphs at line breaks or blank lines).
        title: the headline if known (a record's title, HTML metadata); a first
            line repeating it is removed with reason ``title``.
        find_title: when no ``title`` is given, take the first line as the title
            if it looks like a headline (short, no final period).
        unwrap: join hard-wrapped lines into paragraphs (off for text whose lines
            are known to be paragraphs, such as extracted HTML).

    Returns:
        The kept paragraphs, removed pieces (document order) and metadata found.

    >>> out = clean_text("Storm hits coast\\n\\nBy Jane Roe\\n\\nThe storm hit on Monday.\\n\\nShare this article")
    >>> out.title, out.paragraphs, out.authors
    ('Storm hits coast', ('The storm hit on Monday.',), ('Jane Roe',))
    >>> [r.reason for r in out.removed]
    ['byline', 'share']
    """
    segs = _split_appeal_tails(_split_segments(text, unwrap=unwrap))
    _apply_line_rules(segs)
    _apply_caption_context(segs)
    _apply_related_lists(segs)
    found_title = _apply_title(segs, title, find_title)
    _apply_appeals(segs)
    dateline = _apply_dateline(segs)
    _apply_duplicates(segs)

    paragraphs: list[str] = []
    removed: list[Removed] = []
    authors: list[str] = []
    published: str | None = None
    for seg in segs:
        removed.extend(seg.pre)
        if seg.removed is None:
            paragraphs.append(seg.text)
            continue
        for piece in seg.removed:
            removed.append(piece)
            if piece.reason == "byline":
                for name in _byline_names(piece.text) or ():
                    if name not in authors:
                        authors.append(name)
            elif piece.reason == "dateline" and published is None:
                m = _TIMESTAMP.match(piece.text)
                if m and (m.group("label") or "published").lower() in ("published", "posted", "first published", "date"):
                    published = (m.group("value") or piece.text).strip()
    return CleanedText(
        title=found_title,
        paragraphs=tuple(paragraphs),
        removed=tuple(removed),
        authors=tuple(authors),
        dateline=dateline,
        published=published,
    )


def markdown_to_text(markdown: str) -> tuple[str, dict[str, str], list[Removed]]:
    """Strip Markdown markup, keeping the words.

    Headings become their own lines (the first, if it opens the document, is
    returned as ``meta["title"]``), links become their text, emphasis and code
    marks go, images are returned as removed ``photo_caption`` pieces (their alt
    text), and the lines of one paragraph are joined. Simple YAML front matter
    (``title``, ``author``, ``date``, ``url``, ``source``) goes into ``meta``.

    Returns:
        ``(text, meta, removed)``: paragraphs separated by blank lines.
    """
    meta: dict[str, str] = {}
    removed: list[Removed] = []
    fm = _FRONT_MATTER.match(markdown)
    if fm:
        for line in fm.group("body").split("\n"):
            m = _FM_LINE.match(line.strip())
            if m:
                value = m.group("value").strip().strip("'\"")
                if value:
                    meta[m.group("key").lower()] = value
        markdown = markdown[fm.end() :]
    out: list[str] = []
    para: list[str] = []
    seen_text = False
    in_fence = False

    def flush() -> None:
        if para:
            out.append(" ".join(para))
            out.append("")
            para.clear()

    def add_heading(heading: str) -> None:
        """The first heading before any text is the title; later ones are paragraphs."""
        nonlocal seen_text
        if not seen_text and "title" not in meta:
            meta["title"] = heading
        else:
            out.extend([heading, ""])
        seen_text = True

    raw_lines = markdown.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for idx, raw in enumerate(raw_lines):
        if _MD_FENCE.match(raw):
            in_fence = not in_fence
            flush()
            continue
        if in_fence:
            if raw.strip():
                para.append(raw.strip())
            continue
        if _MD_SETEXT.match(raw) and para and idx > 0 and raw_lines[idx - 1].strip():
            heading = " ".join(para)
            para.clear()
            add_heading(heading)
            continue
        if _MD_REFDEF.match(raw) or _MD_RULE.match(raw):
            flush()
            continue
        line = _MD_QUOTE.sub("", raw)
        heading_match = _MD_HEADING.match(line)
        is_item = bool(_MD_LIST.match(line))
        line = _MD_LIST.sub("", line) if is_item else line
        for image in _MD_IMAGE.finditer(line):
            alt = _tidy(image.group(1))
            if alt:
                removed.append(Removed(alt, "photo_caption"))
        line = _MD_IMAGE.sub(" ", line)
        line = _MD_LINK.sub(lambda m: m.group(1) or m.group(2) or "", line)
        line = _MD_TAG.sub(" ", line)
        line = _MD_CODE.sub(r"\1", line)
        line = _MD_BOLD.sub(r"\2", line)
        line = _MD_EM.sub(r"\2", line)
        line = _MD_STRIKE.sub(r"\1", line)
        line = _tidy(line)
        if heading_match:
            flush()
            heading = _tidy(line.lstrip("#").rstrip("#"))
            if heading:
                add_heading(heading)
            continue
        if not line:
            flush()
            continue
        if is_item:
            flush()
        para.append(line)
        seen_text = True
    flush()
    return "\n".join(out).strip(), meta, removed


#: Character references to characters XML cannot hold (``&#11;``, a vertical tab that text
#: pasted from a word processor carries): one of them made the parser drop the whole page.
_BAD_CHAR_REF = re.compile(r"&#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}));")


def _char_ref_or_space(m: re.Match[str]) -> str:
    code = int(m.group(1), 16) if m.group(1) else int(m.group(2))
    if code in (9, 10, 13) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF:
        return m.group(0)
    return " "


def extract_html(html: str, *, url: str | None = None) -> tuple[str, dict[str, str]] | None:
    """Main text and metadata of an HTML page via trafilatura, or None when the
    page holds no article.

    Settings: trafilatura's balanced mode with tables, without comments or
    images; when it finds less than :data:`MIN_HTML_CHARS` characters,
    ``favor_recall`` is tried too and the longer text kept. On the development
    half of trafilatura's evaluation set, with the text rules on top, this beat
    ``favor_precision``, ``favor_recall``, ``no_fallback``, ``deduplicate`` and
    merges with jusText or with the precision mode's span (docs/cleaning.md).

    Returns:
        ``(text, meta)`` with meta keys among ``title``, ``author``, ``date``,
        ``url``, ``sitename``, ``language``. The text has one paragraph per line.
    """
    import trafilatura  # lazy: importing it costs a few hundred ms

    html = _BAD_CHAR_REF.sub(_char_ref_or_space, html)

    def extract(recall: bool) -> object | None:
        try:
            return trafilatura.bare_extraction(
                html,
                url=url,
                favor_recall=recall,
                include_comments=False,
                include_tables=True,
                include_images=False,
                with_metadata=True,
                deduplicate=False,
            )
        except Exception as exc:  # trafilatura/lxml raise assorted errors on broken markup
            logger.debug("trafilatura failed on %s: %s", url, exc)
            return None

    document = extract(False)
    found = (getattr(document, "text", None) or "").strip() if document is not None else ""
    if len(found) < MIN_HTML_CHARS:
        # Next to nothing found: the balanced mode may have dropped the article body.
        wider = extract(True)
        if wider is not None and len((getattr(wider, "text", None) or "").strip()) > len(found):
            document = wider
    text = getattr(document, "text", None)
    if (not isinstance(text, str) or not text.strip()) and _DEEP_NESTING.search(html):
        # The HTML parser stops at 256 nested elements and the text below them is lost: a
        # page nested that deep is read again with its div and span tags (layout only) taken out.
        html = _LAYOUT_TAG.sub(" ", html)
        document = extract(False) or extract(True)
        text = getattr(document, "text", None)
    if not isinstance(text, str) or not text.strip():
        return None
    standfirst = _visible_standfirst(html, getattr(document, "description", None), text)
    if standfirst:
        # Below a first line that repeats the headline, so the headline rule still sees it.
        first, _, rest = text.partition("\n")
        title = getattr(document, "title", None)
        if isinstance(title, str) and title.strip() and _word_key(first) == _word_key(title):
            text = first + "\n" + standfirst + "\n" + rest
        else:
            text = standfirst + "\n" + text
    meta: dict[str, str] = {}
    for key in ("title", "author", "date", "url", "sitename", "language"):
        value = getattr(document, key, None)
        if isinstance(value, str) and value.strip():
            meta[key] = value.strip()
    if "language" not in meta:
        declared_lang = _HTML_LANG.search(html[:20_000])
        if declared_lang:
            meta["language"] = declared_lang.group(1).lower()  # <html lang="de-CH">: "de-ch"
    declared = _declared_dates(html)
    stamp = _timed(declared)
    if stamp is not None:
        meta["date"] = stamp  # trafilatura gives the day alone; the page's own tag has the time
    elif "date" in meta:
        from triangulate.times import parse_time

        if declared and all(parse_time(v) is None for v in declared):
            # "2024-13-45" in the page's tags is no date; the extraction made 2024-01-01 of it.
            logger.warning("%s: the page's publication date is not a date (%s); stored without one", url or "page", meta.pop("date"))
        elif not declared and meta["date"].endswith("-01-01") and not _writes_new_years_day(html, meta["date"][:4]):
            # A page that states no date: the extraction took a year it writes ("© 2026",
            # "since 1998") for the first day of that year.
            logger.info("%s: no publication date (%s is only a year the page writes)", url or "page", meta.pop("date"))
    return text, meta


#: Where a news page states when it was published, to the minute: Open Graph / article
#: tags, schema.org ``datePublished`` (microdata or JSON-LD) and the common meta names.
_PUBLISHED_TAGS = (
    re.compile(
        r"""<meta\b(?=[^>]*\b(?:property|name|itemprop)\s*=\s*["']?(?:article:published_time|og:published_time|"""
        r"""datePublished|pubdate|publishdate|publish-date|publication_date|sailthru\.date|parsely-pub-date|"""
        r"""dc\.date\.issued|dcterms\.issued)["'\s/>])[^>]*\bcontent\s*=\s*["']([^"']+)["']""",
        re.IGNORECASE,
    ),
    re.compile(r"""["']datePublished["']\s*:\s*["']([^"']+)["']"""),
    re.compile(r"""<time\b(?=[^>]*\bitemprop\s*=\s*["']?datePublished)[^>]*\bdatetime\s*=\s*["']([^"']+)["']""", re.IGNORECASE),
)
_HAS_CLOCK = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}")


def page_published_time(html: str) -> str | None:
    """The publication time a page states in its tags, when it gives a time of day
    (``2026-12-03T11:00:00+01:00``), else ``None``: a date alone adds nothing to
    what the extraction found, and a time decides which of two copies came first."""
    return _timed(_declared_dates(html))


def _timed(declared: Sequence[str]) -> str | None:
    """The first of the values a page's publication tags give that is a time of day."""
    for value in declared:
        if not _HAS_CLOCK.match(value):
            continue
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            continue
        return value
    return None


#: Over 200 layout elements opened one inside the other (the HTML parser keeps 256 levels).
_DEEP_NESTING = re.compile(r"(?:<(?:div|span)\b[^<>]*>\s*){200}", re.IGNORECASE)
_LAYOUT_TAG = re.compile(r"</?(?:div|span)\b[^<>]*>", re.IGNORECASE)


#: The language a page declares on its root element.
_HTML_LANG = re.compile(r"""<html\b[^>]*?\blang\s*=\s*["']?([A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*)""", re.IGNORECASE)


def _declared_dates(html: str) -> list[str]:
    """The values of the page's publication tags, dates or not, in the order they are tried."""
    head = html[:200_000]  # the tags sit in the head or near the top of the body
    return [m.group(1).strip() for pattern in _PUBLISHED_TAGS for m in pattern.finditer(head)]


def _writes_new_years_day(html: str, year: str) -> bool:
    """Whether the page writes the first day of ``year`` as a date ("1 January 2026", "Jan. 1,
    2026", "2026-01-01", "01/01/2026", "1.1.2026"): only then is a date of that day, found
    with no publication tag, one the page states, and not a year it mentions ("© 2026",
    "since 1998") that the extraction turned into the year's first day."""
    day = r"0?1(?:st)?"
    written = (
        rf"\b(?:Jan(?:uary|\.)?\s+{day},?\s+{year}|{day}\s+(?:of\s+)?Jan(?:uary|\.)?,?\s+{year}"
        rf"|{year}-01-01|0?1[/.]\s?0?1[/.]\s?{year})\b"
    )
    return re.search(written, html, re.IGNORECASE) is not None


def _visible_standfirst(html: str, description: object, text: str) -> str | None:
    """The page's own summary (its meta description) when the page shows it as
    text and the extraction left it out: news pages print their standfirst
    above the body, outside the element trafilatura takes as the article.

    Kept only when it is sentence-sized (:data:`STANDFIRST_WORDS`), not already
    in the extracted text (compared word for word, a trailing ellipsis ignored)
    and its opening words are printed in the page's body (not its header,
    navigation or footer), so a summary written for search engines alone, or a
    site-wide tagline, is never added.
    """
    if not isinstance(description, str):
        return None
    desc = _tidy(description)
    low, high = STANDFIRST_WORDS
    if not low <= len(_WORDS.findall(desc)) <= high:
        return None
    key = _word_key(desc.rstrip(".…").removesuffix("..."))
    if not key or key in _word_key(text):
        return None
    import lxml.html

    try:
        root = lxml.html.fromstring(html)
    except Exception as exc:  # broken or empty markup
        logger.debug("lxml could not parse the page: %s", exc)
        return None
    # Shown in the page's body, not in its header, navigation or footer (where a
    # site-wide tagline that doubles as the description lives).
    for element in root.iter("p", "h2", "h3", "h4", "div", "span", "li", "strong", "em", "section"):
        if key[:60] not in _word_key(element.text_content()):
            continue
        if not any(_page_chrome(a) for a in element.iterancestors()):
            return desc
    return None


def _page_chrome(element: Any) -> bool:
    """Navigation, footer, aside, or a site header (one with navigation or without the
    headline: an article's own <header> holds its <h1> and standfirst)."""
    if element.tag in ("nav", "footer", "aside"):
        return True
    if element.tag != "header":
        return False
    return bool(element.findall(".//nav")) or not element.findall(".//h1")


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def _word_count(text: str) -> int:
    """Words of a paragraph; scripts written without spaces count two characters a word."""
    return max(len(_WORDS.findall(text)), len(_CJK.findall(text)) // 2)


def _split_authors(value: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in re.split(r"\s*(?:;|\|)\s*", value) if p.strip())


def clean(doc: RawDocument, *, fallback_source: str | None = None) -> Article | Skipped:
    """Clean one raw document into an :class:`~triangulate.models.Article`.

    Plain text: the first line is the title when it looks like a headline.
    Markdown: markup stripped, the first heading is the title. HTML: main text
    and metadata via trafilatura, then the same text rules. JSON records arrive
    here already split into text / html / markdown documents by the readers.

    Args:
        doc: the raw document (its ``content`` is stored unmodified as ``Article.raw``).
        fallback_source: the ``--source`` value, used for the outlet when the
            document has neither a source nor a URL (see ``readers.resolve_outlet``).

    Returns:
        The article, or ``Skipped`` with stage ``"clean"`` and reason ``empty``
        (no text), ``no_article`` (an HTML page without article text, or text
        that was all boilerplate) or ``too_short`` (fewer than
        ``MIN_ARTICLE_WORDS`` words left).

    >>> art = clean(RawDocument(origin="daily-tide.txt", content="Storm hits\\n\\nThe storm hit on Monday."))
    >>> art.outlet, art.title, art.paragraphs
    ('daily-tide', 'Storm hits', ('The storm hit on Monday.',))
    """
    content = doc.content
    if not content or not content.strip():
        return Skipped(doc.origin, "empty", "the document has no text", stage="clean")
    removed_before: list[Removed] = []
    meta: dict[str, str] = {}
    title = doc.title
    if doc.kind == "html":
        extracted = extract_html(content, url=doc.url)
        if extracted is None:
            return Skipped(doc.origin, "no_article", "no article text found in the HTML page", stage="clean")
        text, meta = extracted
        title = title or meta.get("title")
        result = clean_text(text, title=title, find_title=not title, unwrap=False)
    elif doc.kind == "markdown":
        text, meta, removed_before = markdown_to_text(content)
        title = title or meta.get("title")
        result = clean_text(text, title=title, find_title=not title, unwrap=False)
    else:
        result = clean_text(content, title=title, find_title=not title, unwrap=True)

    kept_words = sum(_word_count(p) for p in result.paragraphs)
    if not result.paragraphs or (doc.kind == "html" and kept_words < MIN_HTML_WORDS):
        what = "HTML page" if doc.kind == "html" else "document"
        return Skipped(
            doc.origin,
            "no_article",
            f"no article text left in the {what} after removing {len(result.removed)} boilerplate piece(s)",
            stage="clean",
        )
    if kept_words < MIN_ARTICLE_WORDS:
        return Skipped(
            doc.origin,
            "too_short",
            f"{kept_words} word(s) of text; an article needs at least {MIN_ARTICLE_WORDS}",
            stage="clean",
        )
    url = doc.url or meta.get("url")
    authors = doc.authors or result.authors
    if not authors and (meta.get("author") or meta.get("authors")):
        authors = _split_authors(meta.get("author") or meta.get("authors") or "")
    meta_doc = doc
    if doc.source is None and doc.kind == "markdown" and meta.get("source"):
        meta_doc = RawDocument(origin=doc.origin, content="", source=meta["source"], url=doc.url)
    return Article(
        id=doc.id,
        # No control characters in what is shown: an escape sequence in a title would reach
        # the terminal, a bidi override would reorder a page (the raw input keeps them).
        outlet=printable(resolve_outlet(meta_doc, fallback_source, url=url)),
        title=printable(result.title) if result.title else result.title,
        paragraphs=tuple(printable(p) for p in result.paragraphs),
        removed=tuple(removed_before) + result.removed,
        url=url,
        published=doc.published or meta.get("date") or meta.get("published") or result.published,
        authors=tuple(printable(a) for a in authors),
        dateline=result.dateline,
        origin=doc.origin,
        raw=content,
        kind=doc.kind,
        language=meta.get("language"),
    )


def clean_many(
    docs: Iterable[RawDocument | Skipped], *, fallback_source: str | None = None
) -> Iterable[Article | Skipped]:
    """Clean a stream of documents, passing earlier skips through, in order."""
    for doc in docs:
        yield doc if isinstance(doc, Skipped) else clean(doc, fallback_source=fallback_source)
