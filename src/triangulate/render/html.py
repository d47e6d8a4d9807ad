"""The report as one self-contained HTML page.

One file, nothing to fetch: the CSS is inline, there is no script, and a
Content-Security-Policy forbids loading anything (so even a page that was
tampered with cannot pull in a script or a tracker). The only ``http(s)``
addresses in the page are links to the original articles.

All article text is untrusted and goes through Jinja2 autoescaping: an article
containing ``<script>`` shows the tag as text. Links are only made from
``http``/``https`` URLs, so a ``javascript:`` URL in an input stays inert text.

Navigation works without JavaScript: citations are fragment links to the
source list and to the claims behind a fact, and the CSS ``:target`` rule
highlights whatever a citation points at. The page is semantic (landmarks,
headings, lists, tables with ``th scope``), keeps WCAG AA contrast in light and
dark mode, and reflows to one column on a phone.
"""

from __future__ import annotations

import re
from functools import cache

from jinja2 import Environment, StrictUndefined, Template

from triangulate.models import Report
from triangulate.text import without_bidi_controls
from triangulate.render.view import article_claims, article_label, build_view, split_highlight

__all__ = ["render_html"]

_SAFE_URL = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)

_CSS = """
:root { --fg:#1a1a1a; --bg:#ffffff; --muted:#4d4d4d; --line:#d0d0d0; --panel:#f5f5f5;
  --link:#0b57d0; --mark:#ffe066; --mark-fg:#000; --conflict:#a50e0e; --target:#fff4c2; }
@media (prefers-color-scheme: dark) {
  :root { --fg:#ececec; --bg:#121212; --muted:#b8b8b8; --line:#444; --panel:#1e1e1e;
    --link:#8ab4f8; --mark:#ffd54f; --mark-fg:#000; --conflict:#ff8a80; --target:#3a3320; }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 1rem/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main, header.page, nav.toc { max-width: 60rem; margin: 0 auto; padding: 0 1rem; }
header.page { padding-top: 1.5rem; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0 0 .5rem; }
h2 { font-size: 1.3rem; margin: 2rem 0 .6rem; padding-bottom: .2rem; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
a { color: var(--link); }
a:focus-visible { outline: 3px solid var(--link); outline-offset: 2px; }
.muted, .support { color: var(--muted); }
.support { font-size: .92rem; }
.stats { color: var(--muted); margin: 0 0 .5rem; }
.warning { border-left: 4px solid var(--conflict); background: var(--panel); padding: .5rem .75rem; }
nav.toc ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .3rem 1rem; margin: .5rem 0 0; }
ol.sources { padding-left: 0; list-style: none; }
ol.sources li { margin: .35rem 0; padding: .2rem .4rem; border-radius: .3rem; }
.num { font-variant-numeric: tabular-nums; font-weight: 600; }
a.cite { text-decoration: none; font-weight: 600; white-space: nowrap; }
a.cite:hover, a.cite:focus { text-decoration: underline; }
.summary p { margin: .5rem 0; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { text-align: left; vertical-align: top; padding: .45rem .5rem; border-bottom: 1px solid var(--line);
  overflow-wrap: break-word; }
ol.sources li, .summary p, ul.versions li { overflow-wrap: anywhere; }
thead th { border-bottom: 2px solid var(--line); }
tbody th { font-weight: normal; }
ul.versions { margin: .4rem 0 0; padding-left: 1.1rem; font-size: .95rem; }
ul.versions li { margin: .2rem 0; }
.quote { border: 1px solid var(--line); border-radius: .5rem; padding: .2rem 1rem .8rem; margin: 1rem 0; }
.quote-versions { display: grid; grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr)); gap: .8rem; }
.quote-versions figure { margin: 0; background: var(--panel); border-radius: .4rem; padding: .6rem .8rem; }
.quote-versions blockquote { margin: 0 0 .4rem; font-size: 1.02rem; }
.quote-versions blockquote p { margin: 0; }
.conflict { border-left: 4px solid var(--conflict); padding: .1rem 0 .1rem .8rem; margin: 1rem 0; }
.conflict h3 { color: var(--conflict); }
mark { background: var(--mark); color: var(--mark-fg); padding: 0 .15em; border-radius: .15em; }
.removed td.text { color: var(--muted); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; }
:target { background: var(--target); scroll-margin-top: 1rem; }
footer { max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: var(--muted); font-size: .85rem; }
@media (max-width: 40rem) { body { font-size: .97rem; } th, td { padding: .4rem .3rem; }
  h1 { font-size: 1.35rem; } .quote { padding: .2rem .6rem .6rem; } }
"""

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="triangulate (report schema {{ schema_version }})">
<title>{{ view.title }}</title>
<style>{{ css|safe }}</style>
</head>
<body>
{%- macro cite(number) -%}
{%- if number is not none -%}<a class="cite" href="#source-{{ number }}" aria-label="source {{ number }}">[{{ number }}]</a>
{%- else -%}<span class="cite">[?]</span>{%- endif -%}
{%- endmacro -%}
{%- macro marked(pieces) -%}
{%- for piece, hit in pieces -%}{%- if hit -%}<mark>{{ piece }}</mark>{%- else -%}{{ piece }}{%- endif -%}{%- endfor -%}
{%- endmacro %}
<header class="page">
<h1>{{ view.title }}</h1>
<p class="stats">{{ stats.sources }} source{{ "" if stats.sources == 1 else "s" }} ·
{{ stats.corroborated }} corroborated fact{{ "" if stats.corroborated == 1 else "s" }} ·
{{ stats.conflicts }} conflict{{ "" if stats.conflicts == 1 else "s" }} ·
{{ stats.single }} single-source claim{{ "" if stats.single == 1 else "s" }}</p>
{%- for warning in report.warnings %}
<p class="warning" role="note"><strong>Warning:</strong> {{ warning }}</p>
{%- endfor %}
</header>
<nav class="toc" aria-label="Sections">
<ul>
<li><a href="#sources">Sources</a></li>
<li><a href="#summary">Summary</a></li>
<li><a href="#facts">Corroborated facts</a></li>
{%- if view.other_facts %}<li><a href="#reprinted-facts">One-source facts</a></li>{% endif %}
{%- if view.quotes %}<li><a href="#quotes">Quotes</a></li>{% endif %}
<li><a href="#conflicts">Conflicts</a></li>
<li><a href="#single-source">Single-source claims</a></li>
{%- if report.syndication %}<li><a href="#syndication">Syndication</a></li>{% endif %}
{%- if report.skipped %}<li><a href="#skipped">Skipped inputs</a></li>{% endif %}
{%- if show_claims %}<li><a href="#all-claims">All claims</a></li>{% endif %}
{%- if show_removed %}<li><a href="#removed">Removed boilerplate</a></li>{% endif %}
</ul>
</nav>
<main>

<section aria-labelledby="sources">
<h2 id="sources">Sources</h2>
<ol class="sources">
{%- for ref in view.sources %}
<li id="source-{{ ref.number }}"><span class="num">[{{ ref.number }}]</span> <strong>{{ ref.outlet }}</strong> — {{ ref.title or "(untitled)" }}
{%- if ref.url or ref.published %} <span class="muted">(
{%- if safe_url(ref.url) %}<a href="{{ ref.url }}" rel="noopener noreferrer nofollow external">{{ ref.url }}</a>
{%- elif ref.url %}{{ ref.url }}{% endif %}
{%- if ref.url and ref.published %}, {% endif %}
{%- if ref.published %}<time>{{ ref.published }}</time>{% endif %})</span>{% endif %}</li>
{%- endfor %}
</ol>
</section>

<section aria-labelledby="summary" class="summary">
<h2 id="summary">Summary</h2>
{%- if report.summary %}
{%- for sentence in report.summary %}
<p>{{ sentence.text }} {% for n in sentence.citations %}{{ cite(n) }}{% endfor %}
{%- if sentence.fact_id and sentence.fact_id in view.fact_ids %} <a class="evidence" href="#fact-{{ sentence.fact_id }}">(claims)</a>{% endif %}</p>
{%- endfor %}
{%- else %}
<p class="muted">No summary: no fact is reported by two independent sources.</p>
{%- endif %}
</section>

{%- macro facts_table(rows, caption) %}
<div class="table-wrap">
<table>
<caption>{{ caption }}</caption>
<thead><tr><th scope="col">Fact and each outlet's wording</th><th scope="col">Reported by</th></tr></thead>
<tbody>
{%- for row in rows %}
<tr id="fact-{{ row.id }}">
<th scope="row">{% if row.kind == "quote" and row.speaker %}<strong>{{ row.speaker }}:</strong> {% endif %}{{ row.text }}
<div class="support">{{ row.support }}</div>
<ul class="versions">
{%- for v in row.versions %}
<li id="claim-{{ v.claim_id }}">{{ cite(v.source) }} <strong>{{ v.outlet }}</strong>: {{ v.text }}</li>
{%- endfor %}
</ul></th>
<td>{% for n in row.sources %}{{ cite(n) }}{% endfor %}<br>{{ row.independent_sources }} independent</td>
</tr>
{%- endfor %}
</tbody>
</table>
</div>
{%- endmacro %}

<section aria-labelledby="facts">
<h2 id="facts">Corroborated facts <span class="muted">(2+ independent sources)</span></h2>
{%- if view.corroborated %}{{ facts_table(view.corroborated, "Facts reported by two or more independent sources") }}
{%- else %}<p class="muted">None: no fact is reported by two independent sources.</p>{% endif %}
</section>

{%- if view.other_facts %}
<section aria-labelledby="reprinted-facts">
<h2 id="reprinted-facts">Facts from one independent source <span class="muted">(reprints only)</span></h2>
{{ facts_table(view.other_facts, "Facts repeated only by copies of one story") }}
</section>
{%- endif %}

{%- if view.quotes %}
<section aria-labelledby="quotes">
<h2 id="quotes">Quotes</h2>
{%- for q in view.quotes %}
<article class="quote" id="quote-{{ q.fact_id }}" aria-labelledby="quote-{{ q.fact_id }}-speaker">
<h3 id="quote-{{ q.fact_id }}-speaker">{{ q.speaker }}</h3>
<p class="support">{{ q.support }}</p>
<div class="quote-versions">
{%- for v in q.versions %}
<figure><blockquote><p>“{{ v.text }}”</p></blockquote>
<figcaption>{{ cite(v.source) }} {{ v.outlet }}</figcaption></figure>
{%- endfor %}
</div>
</article>
{%- endfor %}
</section>
{%- endif %}

<section aria-labelledby="conflicts">
<h2 id="conflicts">Conflicts</h2>
{%- for c in view.conflicts %}
<article class="conflict" id="conflict-{{ loop.index }}" aria-labelledby="conflict-{{ loop.index }}-title">
<h3 id="conflict-{{ loop.index }}-title">{{ c.heading }}</h3>
<div class="table-wrap">
<table>
<thead><tr><th scope="col">Source</th><th scope="col">Version</th><th scope="col">{{ (c.kind or "detail")|capitalize }}</th></tr></thead>
<tbody>
{%- for side in (c.a, c.b) %}
<tr><th scope="row">{{ cite(side.source) }} {{ side.outlet }}</th><td>{{ marked(split_highlight(side.text, side.span)) }}</td><td><strong><mark>{{ side.value }}</mark></strong></td></tr>
{%- endfor %}
</tbody>
</table>
</div>
{%- if c.explanation %}<p class="support">{{ c.explanation }}</p>{% endif %}
{%- if c.timing %}<p class="support">{{ c.timing }}</p>{% endif %}
</article>
{%- else %}
<p class="muted">No conflicting details found.</p>
{%- endfor %}
</section>

<section aria-labelledby="single-source">
<h2 id="single-source">Single-source claims</h2>
{%- for g in view.single_source %}
<h3>{% for n in g.sources %}{{ cite(n) }}{% endfor %} {{ g.outlet }} <span class="muted">— {{ g.note }}</span></h3>
<ul>
{%- for item, near in g.with_nearest() %}
<li id="claim-{{ item.claim.id }}">{{ item.claim.text }}{% if item.detail %} <span class="muted">(only here: {{ item.detail }})</span>{% endif %}
{%- if item.nearest %}<br><span class="muted nearest">closest wording elsewhere, not matched: {% if near is not none %}{{ cite(near) }} {% endif %}{{ item.nearest.outlet }}: \u201c{{ item.nearest.text }}\u201d ({{ "%.2f"|format(item.nearest_similarity) }})</span>{% endif %}</li>
{%- endfor %}
</ul>
{%- else %}
<p class="muted">None: every claim is reported by more than one source.</p>
{%- endfor %}
</section>

{%- if report.syndication %}
<section aria-labelledby="syndication">
<h2 id="syndication">Syndication <span class="muted">(wire copies count as one source)</span></h2>
<ul>
{%- for s in report.syndication %}
<li><strong>{{ s.copies|join(", ") }}</strong> reprinted <strong>{{ s.origin }}</strong>
{%- if s.similarity == s.similarity %} <span class="muted">(similarity {{ "%.2f"|format(s.similarity) }})</span>{% endif %}</li>
{%- endfor %}
</ul>
</section>
{%- endif %}

{%- if report.skipped %}
<section aria-labelledby="skipped">
<h2 id="skipped">Skipped inputs</h2>
<div class="table-wrap">
<table>
<thead><tr><th scope="col">Input</th><th scope="col">Reason</th><th scope="col">Detail</th></tr></thead>
<tbody>
{%- for s in report.skipped %}
<tr><th scope="row">{{ s.origin }}</th><td><code>{{ s.reason }}</code> <span class="muted">({{ s.stage }})</span></td><td>{{ s.detail }}</td></tr>
{%- endfor %}
</tbody>
</table>
</div>
</section>
{%- endif %}

{%- if show_claims %}
<section aria-labelledby="all-claims" class="all-claims">
<h2 id="all-claims">All claims</h2>
{%- for g in claim_groups %}
<h3>{% if g.source is not none %}{{ cite(g.source) }} {% endif %}{{ g.label }}</h3>
<ul>
{%- for c in g.claims %}
<li>{{ c.text }}
{%- if c.notes %} <span class="muted">(
{%- for label, value in c.notes %}{{ label }}: {{ value }}{% if not loop.last %}; {% endif %}{% endfor %})</span>
{%- endif %}</li>
{%- endfor %}
</ul>
{%- else %}
<p class="muted">No claims.</p>
{%- endfor %}
</section>
{%- endif %}

{%- if show_removed %}
<section aria-labelledby="removed" class="removed">
<h2 id="removed">Removed boilerplate</h2>
{%- for a in removed %}
<h3>{% if a.number is not none %}{{ cite(a.number) }} {% endif %}{{ a.label }}</h3>
<div class="table-wrap">
<table>
<thead><tr><th scope="col">Reason</th><th scope="col">Removed text</th></tr></thead>
<tbody>
{%- for r in a.removed %}
<tr><th scope="row"><code>{{ r.reason }}</code></th><td class="text">{{ r.text }}</td></tr>
{%- endfor %}
</tbody>
</table>
</div>
{%- else %}
<p class="muted">Nothing was removed.</p>
{%- endfor %}
</section>
{%- endif %}
</main>
<footer><p>Generated by triangulate · report schema {{ schema_version }}</p></footer>
</body>
</html>
"""


def _safe_url(url: str | None) -> bool:
    return bool(url and _SAFE_URL.match(url))


@cache
def _template() -> Template:
    # Compiled once: the template is a constant, so this holds no state that could
    # make one report's rendering depend on another's.
    # autoescape=True escapes every {{ value }}: article text can never become markup.
    env = Environment(autoescape=True, undefined=StrictUndefined, finalize=without_bidi_controls)
    env.globals.update(safe_url=_safe_url, split_highlight=split_highlight)
    return env.from_string(_TEMPLATE)


def render_html(report: Report, *, show_removed: bool = False, show_claims: bool = False) -> str:
    """``report`` as one self-contained HTML page (inline CSS, no script, no external asset).

    Args:
        report: the report to show.
        show_removed: add, per article, the boilerplate cleaning removed with its reason code.
        show_claims: add, per article, every claim it was split into, with its speaker
            and checkable details, whether or not it is part of a fact.

    Returns:
        The page, starting with ``<!DOCTYPE html>``.

    Example:
        >>> Path("report.html").write_text(render_html(report))   # doctest: +SKIP
    """
    view = build_view(report)
    removed = []
    for article in report.articles:
        if article.removed:
            number, label = article_label(article, view.sources)
            removed.append({"number": number, "label": label, "removed": article.removed})
    stats = {
        "sources": len(view.sources),
        "corroborated": len(view.corroborated),
        "conflicts": len(view.conflicts),
        "single": view.single_source_count,
    }
    return _template().render(
        view=view,
        report=report,
        removed=removed,
        stats=stats,
        show_removed=show_removed,
        show_claims=show_claims,
        claim_groups=article_claims(report, view.sources) if show_claims else (),
        css=_CSS,
        schema_version=report.schema_version,
    )
