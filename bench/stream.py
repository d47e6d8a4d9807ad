"""A synthetic news stream and the corpus write-path benchmark.

    python bench/stream.py                      # 10k and 100k articles (make bench)
    python bench/stream.py --sizes 2000 --ingest-sizes 2000   # a quick run
    python bench/stream.py --sizes "" --ingest-sizes 1000000  # 1M through the whole write path (long)
    python bench/stream.py --dump 50            # print the first 50 generated articles

The generator writes fictional news: many stories (earthquakes, fires, court
rulings, elections, strikes, takeovers, matches, storms...), each reported by
several outlets. A story starts with a wire report; some outlets reprint it
verbatim, some lightly rewrite it (a new lead, an added paragraph), others write
their own version from the same facts, later follow-ups add details; unrelated
one-off items are the noise. Two stories of one kind (two earthquakes) share all
their wording templates and differ only in places, people, numbers and dates:
the same-topic trap. Articles arrive in order of publication, at a simulated
rate of ``--rate`` articles per hour.

Two kinds of rows, each size in a fresh process (so that peak memory is per
size): the whole write path of a corpus (plain-text inputs through
``Ingester.process_batch``: clean + dedup + cluster + SQLite store, as
``triangulate ingest``), and dedup + cluster alone. Each prints throughput
(embedding included, the generator's own time left out), p50/p99 latency from
the start of an article's micro-batch to its story assignment, peak RSS and the
quality on the generator's ground truth (B-cubed F1 of stories; for dedup +
cluster also precision/recall of copy detection; for the write path the
story-list and story-search latency on the database). The same command runs a
naive baseline beside it: brute-force all-pairs clustering (every article
compared with every earlier one) on a prefix of the stream.
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
import resource
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from triangulate.models import Article, RawDocument  # noqa: E402

# --- fictional world ----------------------------------------------------------------

_SYL = "ka lo mi ra ven tor sel du ri an bel mor qui fa zen ol tas ne vi ur go hal pe ret sun lin dro cas mar el".split()
OUTLETS = [
    "Continental Wire", "Eldavia Herald", "Morning Post", "Coastal Times", "Daily Ledger", "Northern Star",
    "Evening Chronicle", "Metro Courier", "Valley Gazette", "Capital Observer", "Harbour News", "Plains Tribune",
    "Island Dispatch", "River Journal", "Summit Review", "Lakeside Bulletin",
]
WIRE = "Continental Wire"


def _name(rng: random.Random, parts: int = 2) -> str:
    return "".join(rng.choice(_SYL) for _ in range(parts)).capitalize()


def _person(rng: random.Random) -> str:
    return f"{_name(rng, 2)} {_name(rng, rng.choice((2, 3)))}"


KINDS = {
    "quake": {
        "titles": ["Magnitude {m} earthquake strikes {place}", "Quake kills {n} in {place}", "{place} shaken by {m} earthquake",
                   "Earthquake in {region}: {n} dead in {place}"],
        "facts": [
            "A magnitude {m} earthquake struck {place} in {region} on {day}, killing {n} people, {agency} said.",
            "The quake hit at {hour} at a depth of {k} kilometres near {place}.",
            "{official}, {role}, said rescue teams from {other} were searching collapsed buildings.",
            "At least {h} homes were damaged in {place} and nearby villages.",
            "Schools in {place} will stay closed until engineers inspect them, {official} said.",
            "Aftershocks of up to magnitude {m2} rattled {region} through the night.",
        ],
    },
    "fire": {
        "titles": ["Fire destroys {site} in {place}", "Blaze at {place} {site}", "{n} hurt as fire guts {site} in {place}"],
        "facts": [
            "A fire destroyed the {site} in {place} on {day}, {agency} said.",
            "{k} firefighters fought the flames for {hours} hours before bringing them under control.",
            "{n} people were treated for smoke inhalation, said {official}, {role}.",
            "The cause of the fire in {place} was not yet known, investigators said.",
            "The {site} had been closed since {year}, and the council planned to reopen it next year.",
            "Residents of {street} were told to keep windows shut because of the smoke.",
        ],
    },
    "court": {
        "titles": ["Court rules against {org} in {place} case", "{org} loses appeal in {place}", "Judge orders {org} to pay {money} million"],
        "facts": [
            "A court in {place} ruled on {day} that {org} must pay {money} million to former workers.",
            "Judge {official} said the company had broken {region}'s labour law on {n} counts.",
            "Lawyers for {org} said they would appeal the ruling to the supreme court in {other}.",
            "The case was brought in {year} by {h} workers at the {site} plant.",
            "{person2}, who led the workers' claim, called the decision a victory.",
        ],
    },
    "election": {
        "titles": ["{person} wins {place} mayoral vote", "{place} elects {person} as mayor", "Runoff in {place}: {person} takes {pct}%"],
        "facts": [
            "{person} won the mayoral election in {place} on {day} with {pct} percent of the vote.",
            "Turnout in {place} was {pct2} percent, the electoral commission of {region} said.",
            "{person} beat the incumbent {person2}, who had led the city since {year}.",
            "{person} promised to build {n} new schools and to repair the {street} bridge.",
            "{person2} conceded defeat late on {day} and congratulated the winner.",
        ],
    },
    "strike": {
        "titles": ["{org} workers strike in {place}", "Strike halts {org} plants", "{h} walk out at {org} over pay"],
        "facts": [
            "About {h} workers at {org} walked out in {place} on {day} to demand a {pct} percent pay rise.",
            "The union, led by {person}, said the strike would last {n} days.",
            "{org} said it had offered {pct2} percent and called the walkout irresponsible.",
            "Production at the {site} plant in {place} stopped, the company said.",
            "Talks between {org} and the union are due to resume in {other} next week.",
        ],
    },
    "takeover": {
        "titles": ["{org} to buy {org2} for {money} million", "{org2} agrees takeover by {org}", "{org} bids {money}m for {org2}"],
        "facts": [
            "{org} agreed on {day} to buy {org2}, a maker of {goods} based in {place}, for {money} million.",
            "The deal values {org2} at {pct} percent more than its closing price, said {person}, chief executive of {org}.",
            "Regulators in {region} must approve the takeover, which is expected to close in {year}.",
            "{org2} employs {h} people at its plant in {place}.",
            "Shares in {org2} rose {pct2} percent in {other} after the announcement.",
        ],
    },
    "match": {
        "titles": ["{team} beat {team2} {n}-{n2}", "{team} win derby against {team2}", "{person} double as {team} sink {team2}"],
        "facts": [
            "{team} beat {team2} {n}-{n2} in {place} on {day}, with {person} scoring twice.",
            "A crowd of {h} watched the match at the {site} stadium.",
            "{team2} coach {person2} said his side had missed too many chances.",
            "The win lifts {team} to {k} points, {n2} behind the leaders from {other}.",
            "{person} has now scored {k} goals this season.",
        ],
    },
    "storm": {
        "titles": ["Storm {storm} hits {region}", "{n} dead as storm {storm} batters {place}", "Storm {storm} cuts power to {h} homes"],
        "facts": [
            "Storm {storm} hit {region} on {day}, killing {n} people and cutting power to {h} homes.",
            "Winds of up to {k} kilometres an hour were recorded in {place}, {agency} said.",
            "Flights from {place} airport were cancelled and trains to {other} were suspended.",
            "{official}, {role}, said crews would work through the night to restore power.",
            "Rivers in {region} were expected to peak on {day2}.",
        ],
    },
}
FILLER = [
    "Officials said more details would be released later.",
    "The story is developing and will be updated.",
    "Local media showed images of the scene.",
    "It was not immediately clear how many people were affected.",
    "A spokesperson declined to comment further.",
    "Reporters at the scene described long queues and confusion.",
]
#: Word swaps an outlet's own version uses, so that it is a paraphrase, not a copy.
SYNONYMS = {
    "struck": "hit", "hit": "struck", "killing": "leaving dead", "people": "residents", "said": "told reporters",
    "damaged": "wrecked", "searching": "combing", "collapsed": "fallen", "buildings": "structures",
    "destroyed": "gutted", "fought": "battled", "flames": "fire", "treated": "cared for", "ruled": "decided",
    "must": "has to", "former": "ex-", "workers": "employees", "won": "took", "vote": "ballot", "beat": "defeated",
    "promised": "pledged", "walked": "went", "demand": "seek", "agreed": "consented", "buy": "acquire",
    "expected": "set", "rose": "climbed", "scoring": "netting", "watched": "saw", "missed": "wasted",
    "cancelled": "scrapped", "suspended": "halted", "recorded": "measured", "were": "had been", "will": "would",
    "the": "a", "in": "inside", "on": "on", "at": "near", "after": "following", "until": "till", "would": "will",
}
DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
ROLES = ["the regional governor", "the interior minister", "the mayor", "the police chief", "a government spokesperson"]
SITES = ["grain warehouse", "old market hall", "textile mill", "riverside depot", "north terminal", "paper plant"]


@dataclass(frozen=True, slots=True)
class Item:
    article: Article
    published: datetime
    story: str
    kind: str  # original | copy | rewrite | version | followup | noise
    copy_of: str | None = None


#: Syllables of the short names (companies, teams, streets, agencies, storms, second places):
#: 2 gives 961 stems, so a long stream reuses a company for several strikes; 3 gives 29,791.
SHORT_NAME_SYLLABLES = 2


def _facts(rng: random.Random, kind: str) -> dict[str, str]:
    short = SHORT_NAME_SYLLABLES
    place, region, other = _name(rng, 3), _name(rng, 3) + "ia", _name(rng, short)
    return {
        "kind": kind,
        "place": place, "region": region, "other": other,
        "m": f"{rng.uniform(4.5, 7.8):.1f}", "m2": f"{rng.uniform(3.5, 5.0):.1f}",
        "n": str(rng.randint(2, 60)), "n2": str(rng.randint(0, 5)), "k": str(rng.randint(10, 300)),
        "h": str(rng.randint(100, 9000)), "hours": str(rng.randint(2, 14)), "pct": str(rng.randint(3, 71)),
        "pct2": str(rng.randint(3, 71)), "money": str(rng.randint(5, 900)), "year": str(rng.randint(1960, 2023)),
        "hour": f"{rng.randint(0, 23)}:{rng.randint(0, 59):02d}",
        "day": rng.choice(DAYS), "day2": rng.choice(DAYS),
        "official": _person(rng), "person": _person(rng), "person2": _person(rng),
        "role": rng.choice(ROLES), "agency": f"the {_name(rng, short)} civil protection agency",
        "site": rng.choice(SITES), "street": f"{_name(rng, short)} Street",
        "org": f"{_name(rng, short)} {rng.choice(['Motors', 'Steel', 'Foods', 'Textiles', 'Energy'])}",
        "org2": f"{_name(rng, 3)} {rng.choice(['Labs', 'Works', 'Systems', 'Group'])}",
        "goods": rng.choice(["batteries", "bicycles", "glass", "medicines", "software"]),
        "team": f"{_name(rng, short)} United", "team2": f"{_name(rng, short)} City", "storm": _name(rng, short),
    }


def _paraphrase(rng: random.Random, sentence: str) -> str:
    words = sentence.split()
    out = [SYNONYMS.get(w, w) if rng.random() < 0.7 else w for w in words]
    if len(out) > 8 and rng.random() < 0.5:  # move the attribution or the tail to the front
        cut = rng.randint(3, len(out) - 3)
        tail = " ".join(out[cut:]).rstrip(".")
        head = " ".join(out[:cut])
        return f"{tail[:1].upper()}{tail[1:]}, {head[:1].lower()}{head[1:]}."
    return " ".join(out)


def _write(
    rng: random.Random, facts: dict[str, str], *, sentences: int, shuffle: bool, paraphrase: bool = False
) -> tuple[str, list[str]]:
    spec = KINDS[facts["kind"]]
    title = rng.choice(spec["titles"]).format(**facts)
    chosen = list(spec["facts"][:2]) + rng.sample(spec["facts"][2:], k=min(len(spec["facts"]) - 2, sentences - 2))
    if shuffle:
        rest = chosen[1:]
        rng.shuffle(rest)
        chosen = [chosen[0], *rest]
    body = [s.format(**facts) for s in chosen]
    if paraphrase:
        body = [_paraphrase(rng, s) for s in body]
    if rng.random() < 0.5:
        body.append(rng.choice(FILLER))
    paragraphs = [" ".join(body[i : i + 2]) for i in range(0, len(body), 2)]
    return title, paragraphs


def _story_items(rng: random.Random, at: datetime, story_no: int, noise_no: int) -> tuple[list[Item], bool]:
    """The items of one draw of the world: a one-off noise item, or a story with its reports."""
    if rng.random() < 0.08:  # noise: a one-off item nobody else reports
        facts = _facts(rng, rng.choice(list(KINDS)))
        title, paras = _write(rng, facts, sentences=4, shuffle=True)
        aid = f"n{noise_no}"
        return [Item(Article(aid, rng.choice(OUTLETS), title, tuple(paras)), at, f"noise{aid}", "noise")], True
    key = f"s{story_no}"
    facts = _facts(rng, rng.choice(list(KINDS)))
    title, paras = _write(rng, facts, sentences=5, shuffle=False)
    wire_id = f"{key}-wire"
    items = [Item(Article(wire_id, WIRE, title, tuple(paras)), at, key, "original")]
    for outlet in rng.sample(OUTLETS[1:], k=rng.randint(2, 8)):
        when = at + timedelta(minutes=rng.expovariate(1 / 90))
        aid = f"{key}-{outlet.split()[0].lower()}"
        roll = rng.random()
        if roll < 0.35:  # verbatim reprint
            items.append(Item(Article(aid, outlet, title, tuple(paras)), when, key, "copy", wire_id))
        elif roll < 0.6:  # light rewrite: new lead sentence, an added closing paragraph
            lead = f"{facts['place']} was reeling on {facts['day']} after the news, {outlet} reports."
            extra = f"{_person(rng)}, a resident of {facts['place']}, told {outlet} people were shocked."
            new = [lead + " " + paras[0], *paras[1:], extra]
            items.append(Item(Article(aid, outlet, title, tuple(new)), when, key, "rewrite", wire_id))
        else:  # the outlet's own version from the same facts
            t2, p2 = _write(rng, facts, sentences=rng.randint(4, 6), shuffle=True, paraphrase=True)
            items.append(Item(Article(aid, outlet, t2, tuple(p2)), when, key, "version"))
    if rng.random() < 0.3:  # a follow-up the next day
        when = at + timedelta(hours=rng.uniform(12, 36))
        t3, p3 = _write(rng, facts, sentences=5, shuffle=True, paraphrase=True)
        items.append(Item(Article(f"{key}-followup", rng.choice(OUTLETS), "Update: " + t3, tuple(p3)), when, key, "followup"))
    return items, False


#: Items per draw of the world on average (8% one-off noise, else a wire report,
#: 2-8 outlets and a follow-up a third of the time): sets the pace of story starts.
_ITEMS_PER_DRAW = 0.08 + 0.92 * (1 + 5 + 0.3)


def stream(n: int, *, seed: int = 7, rate_per_hour: float = 2000.0) -> Iterator[Item]:
    """``n`` articles in order of publication, generated as they are needed.

    Stories start at the times of a Poisson process (about ``rate_per_hour``
    articles an hour in all); the reports of a story follow its start (minutes
    for reprints and versions, up to 36 hours for a follow-up), so an item can
    be handed out as soon as the next story starts later than it. Only the items
    still ahead in time are held: memory does not grow with ``n``.
    """
    rng = random.Random(seed)
    at = datetime(2025, 1, 6, tzinfo=timezone.utc)
    pending: list[tuple[datetime, str, int, Item]] = []
    tie = 0
    story_no = noise_no = 0
    emitted = 0
    while emitted < n:
        items, noise = _story_items(rng, at, story_no + 1, noise_no)
        if noise:
            noise_no += 1
        else:
            story_no += 1
        for it in items:
            heapq.heappush(pending, (it.published, it.article.id, tie, it))
            tie += 1
        at = at + timedelta(hours=rng.expovariate(rate_per_hour / _ITEMS_PER_DRAW))
        while pending and pending[0][0] <= at and emitted < n:
            yield heapq.heappop(pending)[3]
            emitted += 1


def generate(n: int, *, seed: int = 7, rate_per_hour: float = 2000.0) -> list[Item]:
    """The first ``n`` articles of :func:`stream` as a list (for the baseline and ``--dump``)."""
    return list(stream(n, seed=seed, rate_per_hour=rate_per_hour))


# --- measurement -----------------------------------------------------------------------


def _bcubed(pred: dict[str, str], gold: dict[str, str]) -> float:
    keys = list(gold)
    return _bcubed_arrays(np.unique([pred[k] for k in keys], return_inverse=True)[1],
                          np.unique([gold[k] for k in keys], return_inverse=True)[1])


def _bcubed_arrays(pred: np.ndarray, gold: np.ndarray) -> float:
    """B-cubed F1 of two label arrays (one entry per article), from the contingency counts."""
    n = len(gold)
    if not n:
        return 0.0
    pairs, cell = np.unique(np.stack([pred, gold], axis=1), axis=0, return_counts=True)
    pred_size = np.bincount(pred)[pairs[:, 0]]
    gold_size = np.bincount(gold)[pairs[:, 1]]
    p = float(np.sum(cell * cell / pred_size)) / n
    r = float(np.sum(cell * cell / gold_size)) / n
    return 2 * p * r / (p + r) if p + r else 0.0


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _rss_mb() -> float:
    """Current resident set size (Linux /proc; the peak where that is missing)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return _peak_rss_mb()


def _stream_embedder(cache: int, model: str | None = None):
    """The clustering embedder (the int8 MiniLM unless ``model`` names another) with a
    small cache: every lead of a stream is new, so a large cache only holds memory
    (copies are not embedded at all)."""
    from triangulate.embed import DEFAULT_MODEL, OnnxMiniLM, load_cluster_embedder, load_embedder

    if model == DEFAULT_MODEL:
        return OnnxMiniLM(cache_size=cache)
    if model:
        return load_embedder(model)
    embedder = load_cluster_embedder()
    if isinstance(embedder, OnnxMiniLM):
        embedder._cache_size = cache
    return embedder


class _CountingEmbedder:
    """Counts the texts embedded and their MiniLM tokens (with the embedder's own tokenizer)."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.name = getattr(inner, "name", "embedder")
        self.dim = getattr(inner, "dim", 0)
        self._tokenizer = getattr(inner, "_tokenizer", None)
        self.texts = 0
        self.tokens = 0
        self.sampled = 0

    def encode(self, texts):  # type: ignore[no-untyped-def]
        self.texts += len(texts)
        if self._tokenizer is not None and self.sampled < 5000:  # tokens counted on a sample: cheap
            self.sampled += len(texts)
            self.tokens += sum(len(e.ids) for e in self._tokenizer.encode_batch(list(texts)))
        return self.inner.encode(texts)  # type: ignore[attr-defined]

    def prefetcher(self):  # type: ignore[no-untyped-def]
        """The inner embedder's (texts embedded ahead are counted when they are asked for)."""
        make = getattr(self.inner, "prefetcher", None)
        return make() if make is not None else None

    @property
    def tokens_per_text(self) -> float:
        return self.tokens / max(1, self.sampled)


def _final_stories(story_ids: dict[str, int], pred: np.ndarray, resolve) -> tuple[np.ndarray, int]:  # type: ignore[no-untyped-def]
    """Each article's final story number (merges followed through ``resolve``) and the number of final stories."""
    final_of = np.asarray([0] * len(story_ids), dtype=np.int32)
    resolved: dict[str, int] = {}
    for sid, k in story_ids.items():
        final_of[k] = resolved.setdefault(resolve(sid), len(resolved))
    return final_of[pred], len(resolved)


def _progress(checkpoints: list[tuple[int, float, float]]) -> None:
    """One stderr line per tenth of a row: a long run can be followed (and stopped) with its figures so far."""
    done, busy, rss = checkpoints[-1]
    prev_n, prev_t = checkpoints[-2][:2] if len(checkpoints) > 1 else (0, 0.0)
    rate = (done - prev_n) / (busy - prev_t) if busy > prev_t else 0.0
    print(f"  ... {done:,} articles: {rate:.1f} articles/s since the last line, {done / max(busy, 1e-9):.1f} overall; "
          f"RSS {rss:.0f} MB, peak {_peak_rss_mb():.0f} MB", file=sys.stderr, flush=True)


def _rates_by_tenth(checkpoints: list[tuple[int, float, float]]) -> tuple[list[float], list[float]]:
    """Articles/s between consecutive checkpoints (articles done, busy seconds, RSS), with the RSS at each."""
    rates, rss_tenths = [], []
    prev_n, prev_t = 0, 0.0
    for done, t, rss in checkpoints:
        if done > prev_n and t > prev_t:
            rates.append(round((done - prev_n) / (t - prev_t), 1))
            rss_tenths.append(round(rss, 1))
        prev_n, prev_t = done, t
    return rates, rss_tenths


def run_pipeline(n: int, *, batch: int, seed: int, rate: float, dedup_window: int = 200_000,
                 embed_cache: int = 2048, settings: dict[str, object] | None = None,
                 model: str | None = None) -> dict[str, object]:
    from triangulate.cluster import StoryClusterer
    from triangulate.dedup import DedupIndex

    rss_start = _rss_mb()
    embedder = _CountingEmbedder(_stream_embedder(embed_cache, model))
    embedder.encode(["warm up"])
    embedder.texts = embedder.tokens = embedder.sampled = 0
    dedup = DedupIndex(max_items=dedup_window)
    clusterer = StoryClusterer(embedder=embedder, **(settings or {}))
    rss_ready = _rss_mb()
    # Book-keeping in flat arrays (one entry per article), so that the benchmark's own
    # memory stays small next to what it measures.
    latencies = np.zeros(n, dtype=np.float32)
    gold = np.zeros(n, dtype=np.int32)
    pred = np.zeros(n, dtype=np.int32)
    truth = np.zeros(n, dtype=bool)
    flagged = np.zeros(n, dtype=bool)
    gold_ids: dict[str, int] = {}
    story_ids: dict[str, int] = {}
    tenth = max(batch, n // 10)
    started = time.perf_counter()
    busy = 0.0  # time in the system under test (the generator's own time left out)
    checkpoints: list[tuple[int, float, float]] = []
    source = stream(n, seed=seed, rate_per_hour=rate)
    lo = 0
    while lo < n:
        chunk = [it for _, it in zip(range(batch), source)]
        if not chunk:
            break
        t0 = time.perf_counter()
        matches = dedup.add_many((it.article.id, it.article.text) for it in chunk)
        duplicates = [m.of if m else None for m in matches]
        assignments = clusterer.add_many(
            [it.article for it in chunk], published=[it.published for it in chunk], duplicates=duplicates
        )
        t1 = time.perf_counter()
        busy += t1 - t0
        # Articles of a micro-batch are assigned one after the other; spread the
        # batch time evenly (scoring dominates after the shared embedding call).
        for j, (it, asg, dup) in enumerate(zip(chunk, assignments, duplicates)):
            i = lo + j
            latencies[i] = (t1 - t0) * (j + 1) / len(chunk)
            pred[i] = story_ids.setdefault(asg.story_id, len(story_ids))
            gold[i] = gold_ids.setdefault(it.story, len(gold_ids))
            truth[i] = it.kind in ("copy", "rewrite")
            flagged[i] = dup is not None
        lo += len(chunk)
        if lo % tenth < batch or lo >= n:
            checkpoints.append((lo, busy, _rss_mb()))
            _progress(checkpoints)
    seconds = busy
    wall = time.perf_counter() - started
    n = lo
    # Final stories: follow merges (none with the shipped settings).
    final, found = _final_stories(story_ids, pred[:n], clusterer.resolve)
    tp = int(np.sum(truth & flagged))
    fp = int(np.sum(flagged & ~truth))
    fn = int(np.sum(truth & ~flagged))
    rates, rss_tenths = _rates_by_tenth(checkpoints)
    growth = [round((b - a) * 10_000 / (tenth or 1), 1) for a, b in zip(rss_tenths, rss_tenths[1:])]
    return {
        "system": "triangulate",
        "path": "dedup + cluster",
        "model": embedder.name,
        "n": n,
        "seconds": round(seconds, 1),
        "wall_seconds": round(wall, 1),
        "articles_per_s": round(n / seconds, 1),
        "throughput_by_tenth": rates,
        "rss_mb_by_tenth": rss_tenths,
        "rss_growth_mb_per_10k": growth,
        "latency_p50_ms": round(float(np.percentile(latencies[:n], 50)) * 1000, 2),
        "latency_p99_ms": round(float(np.percentile(latencies[:n], 99)) * 1000, 2),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "rss_at_start_mb": round(rss_start, 1),
        "rss_model_loaded_mb": round(rss_ready, 1),
        "dedup_index_mb": round(getattr(dedup, "nbytes", 0) / 2**20, 1),
        "dedup_items": len(dedup),
        "embedded_share": round(embedder.texts / max(1, n), 3),
        "lead_tokens_per_embedded_article": round(embedder.tokens_per_text, 1),
        "hot_stories": len(clusterer),
        "evicted_stories": clusterer.evicted,
        "stories_found": found,
        "stories_true": len(gold_ids),
        "bcubed_f1": round(_bcubed_arrays(final, gold[:n]), 4),
        "copy_precision": round(tp / (tp + fp), 4) if tp + fp else 0.0,
        "copy_recall": round(tp / (tp + fn), 4) if tp + fn else 0.0,
    }


def _raw(it: Item) -> RawDocument:
    """The generated article as a plain-text input, with the boilerplate a news page
    carries (a photo credit, a "contributed to this report" line, a newsletter appeal)
    on some of them, so that cleaning has its real work to do."""
    a = it.article
    h = zlib.crc32(a.id.encode("utf-8"))
    parts = [a.title, *a.paragraphs]
    if h % 3 == 0:
        parts.insert(min(2, len(parts)), f"Residents watch from a distance. (Photo credit: {a.outlet} staff)")
    if h % 4 == 0:
        parts.append(f"Staff reporters of {a.outlet} contributed to this report.")
    if h % 5 == 0:
        parts.append("Sign up for our morning newsletter to get the day's top stories in your inbox.")
    host = "".join(ch for ch in a.outlet.lower() if ch.isalnum())
    return RawDocument(
        origin=a.id, content="\n\n".join(parts), kind="text", source=a.outlet,
        url=f"https://{host}.example/news/{a.id}", published=it.published.isoformat(),
    )


#: Batches generated ahead of each timed :meth:`Ingester.add_items` call in the write-path rows.
INGEST_CHUNK_BATCHES = 20


def run_ingest(n: int, *, batch: int, seed: int, rate: float, dedup_window: int = 200_000,
               embed_cache: int = 2048, model: str | None = None, prefetch: bool = True) -> dict[str, object]:
    """The whole write path of a corpus: text input -> clean -> dedup -> cluster -> SQLite.

    Articles go through :meth:`Ingester.add_items` (one write transaction per
    micro-batch, the next batch's leads embedded ahead on a second thread, as
    ``triangulate ingest`` does; ``prefetch=False``: one batch after another) into a
    fresh database file. The input is generated ``INGEST_CHUNK_BATCHES`` batches at a
    time before each timed call, so that no work of the system under test runs while
    the generator does (each call ends with nothing left on the second thread; its
    first batch is not embedded ahead). An article's latency runs from the moment the
    ingester reads it to the commit of its batch.
    """
    import tempfile

    from triangulate.corpus.ingest import Ingester
    from triangulate.corpus.store import Store

    rss_start = _rss_mb()
    embedder = _CountingEmbedder(_stream_embedder(embed_cache, model))
    embedder.encode(["warm up"])
    embedder.texts = embedder.tokens = embedder.sampled = 0
    folder = tempfile.TemporaryDirectory(prefix="stream-bench-")
    store = Store.open(Path(folder.name) / "bench.db")
    ingester = Ingester(store, embedder=embedder, dedup_settings={"max_items": dedup_window}, batch_size=batch, prefetch=prefetch)
    ingester.load()
    rss_ready = _rss_mb()
    latencies = np.zeros(n, dtype=np.float32)
    gold = np.zeros(n, dtype=np.int32)
    pred = np.zeros(n, dtype=np.int32)
    gold_ids: dict[str, int] = {}
    story_ids: dict[str, int] = {}
    statuses: dict[str, int] = {}
    tenth = max(batch, n // 10)
    checkpoints: list[tuple[int, float, float]] = []
    source = stream(n, seed=seed, rate_per_hour=rate)
    started = time.perf_counter()
    busy = 0.0  # time in the system under test (the generator's own time left out)
    lo = 0
    pulled = np.zeros(batch * INGEST_CHUNK_BATCHES, dtype=np.float64)

    def reading(raws: list[RawDocument]) -> Iterator[RawDocument]:
        for j, raw in enumerate(raws):
            pulled[j] = time.perf_counter()
            yield raw

    while lo < n:
        chunk = [it for _, it in zip(range(min(n - lo, batch * INGEST_CHUNK_BATCHES)), source)]
        if not chunk:
            break
        raws = [_raw(it) for it in chunk]  # input generation: not timed
        tenths_before = len(checkpoints)
        committed: list[float] = []
        t0 = time.perf_counter()
        results = list(ingester.add_items(reading(raws), on_batch=lambda rs: committed.extend([time.perf_counter()] * len(rs))))
        t1 = time.perf_counter()
        busy += t1 - t0
        for j, (it, res) in enumerate(zip(chunk, results)):
            i = lo + j
            latencies[i] = committed[j] - pulled[j]
            statuses[res.status] = statuses.get(res.status, 0) + 1
            pred[i] = story_ids.setdefault(res.story_id or f"none{i}", len(story_ids))
            gold[i] = gold_ids.setdefault(it.story, len(gold_ids))
            if (i + 1) % tenth == 0 or i + 1 == n:
                # The tenth's end: its time is the commit of the batch it ends in.
                checkpoints.append((i + 1, busy - (t1 - committed[j]), _rss_mb()))
        lo += len(chunk)
        if len(checkpoints) > tenths_before:
            _progress(checkpoints)
    seconds = busy
    wall = time.perf_counter() - started
    n = lo
    final, _ = _final_stories(story_ids, pred[:n], lambda sid: store.resolve_story(sid) or sid)
    listed = store.count_stories()
    q0 = time.perf_counter()
    for _ in range(50):
        store.stories(limit=20)
    q1 = time.perf_counter()
    for word in ("earthquake", "strike", "election", "fire", "storm") * 10:
        store.stories(query=word, limit=20)
    q2 = time.perf_counter()
    db_mb = sum(f.stat().st_size for f in Path(folder.name).iterdir()) / 2**20
    store.close()
    folder.cleanup()
    rates, _ = _rates_by_tenth(checkpoints)
    return {
        "system": "triangulate" if prefetch else "one batch at a time",
        "path": "clean + dedup + cluster + store",
        "model": embedder.name,
        "n": n,
        "seconds": round(seconds, 1),
        "wall_seconds": round(wall, 1),
        "articles_per_s": round(n / seconds, 1),
        "throughput_by_tenth": rates,
        "rss_mb_by_tenth": [round(r, 1) for _, _, r in checkpoints],
        "latency_p50_ms": round(float(np.percentile(latencies[:n], 50)) * 1000, 2),
        "latency_p99_ms": round(float(np.percentile(latencies[:n], 99)) * 1000, 2),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "rss_model_loaded_mb": round(rss_ready, 1),
        "rss_at_start_mb": round(rss_start, 1),
        "statuses": statuses,
        "stories_listed": listed,
        "story_list_ms": round((q1 - q0) / 50 * 1000, 2),
        "story_query_ms": round((q2 - q1) / 50 * 1000, 2),
        "db_mb": round(db_mb, 1),
        "embedded_share": round(embedder.texts / max(1, n), 3),
        "bcubed_f1": round(_bcubed_arrays(final, gold[:n]), 4),
    }


def run_baseline(n: int, *, seed: int, rate: float, threshold: float = 0.75) -> dict[str, object]:
    """Naive: embed each article, compare with every earlier article, join the most
    similar one's story above a cosine threshold (no index, no dedup)."""
    from triangulate.cluster import lead_text
    from triangulate.embed import load_embedder

    items = generate(n, seed=seed, rate_per_hour=rate)
    embedder = load_embedder()
    started = time.perf_counter()
    vectors = np.zeros((n, embedder.dim), dtype=np.float32)
    labels: list[int] = []
    latencies = []
    for i, it in enumerate(items):
        t0 = time.perf_counter()
        v = embedder.encode([lead_text(it.article)])[0]
        vectors[i] = v
        if i:
            sims = vectors[:i] @ v
            for j in range(i):  # all pairs, as a naive implementation does
                sims[j] = float(np.dot(vectors[j], v))
            best = int(np.argmax(sims))
            labels.append(labels[best] if sims[best] >= threshold else i)
        else:
            labels.append(0)
        latencies.append(time.perf_counter() - t0)
    seconds = time.perf_counter() - started
    gold = {it.article.id: it.story for it in items}
    pred = {it.article.id: str(lab) for it, lab in zip(items, labels)}
    return {
        "system": "naive all-pairs",
        "n": n,
        "seconds": round(seconds, 1),
        "articles_per_s": round(n / seconds, 1),
        "latency_p50_ms": round(float(np.percentile(latencies, 50)) * 1000, 2),
        "latency_p99_ms": round(float(np.percentile(latencies, 99)) * 1000, 2),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "bcubed_f1": round(_bcubed(pred, gold), 4),
    }


def _child(args: argparse.Namespace, size: int, baseline: bool, settings: str | None = None, *,
           ingest: bool = False, model: str | None = None, prefetch: bool = True) -> dict[str, object]:
    cmd = [sys.executable, __file__, "--child", str(size), "--seed", str(args.seed), "--rate", str(args.rate), "--batch", str(args.batch),
           "--short-names", str(args.short_names)]
    if baseline:
        cmd.append("--baseline")
    else:
        cmd += ["--dedup-window", str(args.dedup_window), "--embed-cache", str(args.embed_cache),
                "--cluster", settings if settings is not None else args.cluster]
        if model or args.model:
            cmd += ["--model", model or args.model]
        if ingest:
            cmd.append("--ingest")
            if not prefetch or args.no_prefetch:
                cmd.append("--no-prefetch")
    # The child's stderr (its progress lines, a traceback) goes straight to ours.
    out = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"benchmark child failed with exit code {out.returncode} (its messages are above)")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _name_stats(n: int, *, seed: int, rate: float) -> None:
    """How often two different strike stories of the stream name the same company."""
    import re
    from collections import Counter

    title_of: dict[str, str] = {}
    for it in stream(n, seed=seed, rate_per_hour=rate):
        if it.kind == "original":
            title_of.setdefault(it.story, it.article.title)
    company = re.compile(r"(\w+ (?:Motors|Steel|Foods|Textiles|Energy))")
    strikes = Counter()
    n_strikes = 0
    for title in title_of.values():
        if "strike" in title.lower() or " walk out " in title:
            found = company.search(title)
            if found:
                n_strikes += 1
                strikes[found.group(1)] += 1
    shared = sum(1 for v in strikes.values() if v > 1)
    print(f"{n} articles: {len(title_of)} stories; {n_strikes} strike stories at {len(strikes)} companies; "
          f"{shared} companies have 2 or more strikes (most: {strikes.most_common(3)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated stream lengths (dedup + cluster rows)")
    parser.add_argument("--ingest-sizes", default="10000,100000",
                        help="stream lengths through the whole write path: clean + dedup + cluster + SQLite store")
    parser.add_argument("--model", default=None, help="embedding model (default: the clustering model, int8 MiniLM)")
    parser.add_argument("--reference-model", default=None,
                        help="also run each row with this model, in the same command (e.g. minilm-onnx, the float model)")
    parser.add_argument("--baseline-sizes", default="1000,3000", help="prefix lengths for the naive baseline")
    parser.add_argument("--million", action="store_true", help="also run 1,000,000 articles in the dedup + cluster rows (long)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rate", type=float, default=2000.0, help="simulated articles per hour")
    parser.add_argument("--batch", type=int, default=128, help="micro-batch size (arrivals embedded together)")
    parser.add_argument("--dump", type=int, default=0, help="print the first N generated articles and exit")
    parser.add_argument("--short-names", type=int, default=2,
                        help="syllables of company, team, street and other short names (2: the stream of the published figures)")
    parser.add_argument("--name-stats", type=int, default=0,
                        help="count, in the first N articles, the companies that have several different strikes, and exit")
    parser.add_argument("--dedup-window", type=int, default=200_000, help="articles kept in the copy index (as ingest)")
    parser.add_argument("--embed-cache", type=int, default=2048, help="embedding cache entries")
    parser.add_argument("--cluster", default="{}", help="JSON object of StoryClusterer setting overrides")
    parser.add_argument("--reference", default=None,
                        help="JSON overrides for a reference row per size, run in the same command (e.g. '{}' = shipped)")
    parser.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--baseline", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--ingest", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-prefetch", action="store_true",
                        help="write-path rows: one batch after another, no leads embedded ahead")
    parser.add_argument("--one-at-a-time-sizes", default="10000,100000",
                        help="also run these write-path sizes one batch after another (the reference row of the ahead-embedding)")
    args = parser.parse_args()
    global SHORT_NAME_SYLLABLES
    SHORT_NAME_SYLLABLES = args.short_names

    if args.name_stats:
        _name_stats(args.name_stats, seed=args.seed, rate=args.rate)
        return
    if args.dump:
        for it in generate(args.dump, seed=args.seed, rate_per_hour=args.rate):
            print(f"[{it.published:%Y-%m-%d %H:%M}] {it.article.outlet} | {it.story} | {it.kind}")
            print(f"  {it.article.title}")
            for p in it.article.paragraphs:
                print(f"    {p}")
        return
    if args.child:
        kwargs: dict[str, object] = {"seed": args.seed, "rate": args.rate}
        if args.baseline:
            print(json.dumps(run_baseline(args.child, **kwargs)))  # type: ignore[arg-type]
            return
        kwargs.update(batch=args.batch, dedup_window=args.dedup_window, embed_cache=args.embed_cache, model=args.model)
        if args.ingest:
            print(json.dumps(run_ingest(args.child, prefetch=not args.no_prefetch, **kwargs)))  # type: ignore[arg-type]
        else:
            print(json.dumps(run_pipeline(args.child, settings=json.loads(args.cluster), **kwargs)))  # type: ignore[arg-type]
        return

    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.million and 1_000_000 not in sizes:
        sizes.append(1_000_000)
    rows = []
    for size in [int(s) for s in args.baseline_sizes.split(",") if s]:
        rows.append(_child(args, size, True))
        print(json.dumps(rows[-1]), file=sys.stderr)
    for size in sizes:
        if args.reference is not None:
            rows.append({**_child(args, size, False, args.reference), "system": "reference"})
            print(json.dumps(rows[-1]), file=sys.stderr)
        if args.reference_model:
            rows.append({**_child(args, size, False, model=args.reference_model), "system": "reference"})
            print(json.dumps(rows[-1]), file=sys.stderr)
        rows.append(_child(args, size, False))
        print(json.dumps(rows[-1]), file=sys.stderr)
    for size in [int(s) for s in args.ingest_sizes.split(",") if s]:
        if size in [int(s) for s in args.one_at_a_time_sizes.split(",") if s]:
            rows.append({**_child(args, size, False, ingest=True, prefetch=False), "system": "reference", "reference": "one batch at a time"})
            print(json.dumps(rows[-1]), file=sys.stderr)
        if args.reference_model:
            rows.append({**_child(args, size, False, ingest=True, model=args.reference_model), "system": "reference"})
            print(json.dumps(rows[-1]), file=sys.stderr)
        rows.append(_child(args, size, False, ingest=True))
        print(json.dumps(rows[-1]), file=sys.stderr)
    header = ["system", "path", "model", "n", "articles/s", "p50 ms", "p99 ms", "peak RSS MB", "B3 F1"]
    keys = ("system", "path", "model", "n", "articles_per_s", "latency_p50_ms", "latency_p99_ms", "peak_rss_mb", "bcubed_f1")
    print("Stream benchmark: one process per row; articles/s include embedding")
    print("  " + "  ".join(f"{h:>15}" for h in header))
    for r in rows:
        print("  " + "  ".join(f"{str(r.get(k, '')):>15}" for k in keys))
    refs = {(r["n"], r.get("path")): r for r in rows if r["system"] == "reference"}
    for r in rows:
        ref = refs.get((r["n"], r.get("path")))
        if r["system"] == "triangulate" and ref is not None:
            print(f"  {r['path']} n={r['n']}: throughput {r['articles_per_s'] / ref['articles_per_s']:.2f}x the reference row "
                  f"({ref.get('reference', ref.get('model'))}; B3 F1 {r['bcubed_f1']} vs {ref['bcubed_f1']})")
    for r in rows:
        if "throughput_by_tenth" not in r:
            continue
        print(f"  {r['system']} {r['path']} n={r['n']}: articles/s per tenth {r['throughput_by_tenth']}")
        if "copy_precision" in r:
            print(f"    copies P/R {r['copy_precision']}/{r['copy_recall']}; evicted stories {r['evicted_stories']}; "
                  f"RSS MB at each tenth {r['rss_mb_by_tenth']} (growth per 10k articles {r['rss_growth_mb_per_10k']}); "
                  f"model loaded {r['rss_model_loaded_mb']} MB; copy index {r['dedup_index_mb']} MB for {r['dedup_items']} articles; "
                  f"{r['lead_tokens_per_embedded_article']} lead tokens per embedded article, {r['embedded_share']} embedded")
        else:
            print(f"    results {r['statuses']}; RSS MB at each tenth {r['rss_mb_by_tenth']}; database {r['db_mb']} MB; "
                  f"story list {r['story_list_ms']} ms, story search {r['story_query_ms']} ms ({r['stories_listed']} stories)")
    print(json.dumps({"bench": "stream", "rows": rows}))


if __name__ == "__main__":
    main()
