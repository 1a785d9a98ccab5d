"""The report as a list of blocks (headings, paragraphs, tables, figures), rendered to Markdown
with PNG files beside it, or to one self-contained HTML page (figures embedded as data URIs,
tables sortable by a click on a header, no external URL).
"""
from __future__ import annotations

import base64
import html
import math
import pathlib
import re
from dataclasses import dataclass, field


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Para:
    text: str  # Markdown inline text: `code`, **strong**, *emphasis* (rendered in HTML too)


@dataclass
class Table:
    header: list
    rows: list              # each row: list of Cell
    caption: str = ""


@dataclass
class Cell:
    text: str
    sort: float | str | None = None  # the value a header click sorts by (None: the text)


@dataclass
class Figure:
    path: str       # relative to the report folder
    caption: str


@dataclass
class Report:
    title: str
    blocks: list = field(default_factory=list)

    def add(self, *blocks):
        self.blocks.extend(blocks)


def cell(value, text: str | None = None) -> Cell:
    """A cell of a number (sorted numerically; NaN sorts last) or of text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        return Cell(text if text is not None else (f"{number:g}" if math.isfinite(number) else "-"),
                    number if math.isfinite(number) else None)
    return Cell(text if text is not None else str(value), None)


# --- Markdown ---------------------------------------------------------------------------------

def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(report: Report) -> str:
    lines = [f"# {report.title}", ""]
    for b in report.blocks:
        if isinstance(b, Heading):
            lines += ["#" * b.level + " " + b.text, ""]
        elif isinstance(b, Para):
            lines += [b.text, ""]
        elif isinstance(b, Table):
            if b.caption:
                lines += [b.caption, ""]
            lines.append("| " + " | ".join(_md_cell(h) for h in b.header) + " |")
            lines.append("|" + "|".join(" --- " for _ in b.header) + "|")
            for row in b.rows:
                lines.append("| " + " | ".join(_md_cell(c.text) for c in row) + " |")
            lines.append("")
        elif isinstance(b, Figure):
            lines += [f"![{b.caption}]({b.path})", "", f"*{b.caption}*", ""]
    return "\n".join(lines).rstrip() + "\n"


# --- HTML -------------------------------------------------------------------------------------

_STYLE = """
body { font-family: sans-serif; max-width: 72em; margin: 1em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: right; }
th { background: #eee; cursor: pointer; user-select: none; }
th[data-order="asc"]::after { content: " \\25B2"; }
th[data-order="desc"]::after { content: " \\25BC"; }
td:first-child, th:first-child { text-align: left; }
figure { margin: 0.5em 0 1.5em; } figure img { max-width: 100%; }
figcaption { font-size: 0.85em; color: #555; }
code { background: #f4f4f4; padding: 0 0.2em; }
"""

# Sorts a table's body rows by the clicked column: numerically by each cell's data-sort when
# both cells have one, else by text; cells without a value last. A second click reverses.
_SCRIPT = """
(function () {
  function key(td) {
    var v = td.getAttribute('data-sort');
    return v === null ? null : parseFloat(v);
  }
  function compare(a, b, col, dir) {
    var x = a.cells[col], y = b.cells[col];
    var kx = key(x), ky = key(y);
    var nx = kx === null || isNaN(kx), ny = ky === null || isNaN(ky);
    var numeric = x.hasAttribute('data-sort') || y.hasAttribute('data-sort');
    if (numeric) {
      if (nx && ny) return 0;
      if (nx) return 1;
      if (ny) return -1;
      return dir * (kx - ky);
    }
    return dir * x.textContent.localeCompare(y.textContent);
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    table.querySelectorAll('thead th').forEach(function (th, col) {
      th.addEventListener('click', function () {
        var dir = th.getAttribute('data-order') === 'asc' ? -1 : 1;
        table.querySelectorAll('thead th').forEach(function (o) { o.removeAttribute('data-order'); });
        th.setAttribute('data-order', dir === 1 ? 'asc' : 'desc');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) { return compare(a, b, col, dir); });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
})();
"""


def _emphasis(escaped: str) -> str:
    """Markdown's **strong** and *emphasis* in already escaped text."""
    escaped = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", escaped)
    return re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])", r"<em>\1</em>", escaped)


def _inline(text: str) -> str:
    """Escaped text with `code` spans as <code>, **strong** and *emphasis* as in Markdown."""
    parts = re.split(r"(`[^`]*`)", text)
    return "".join(f"<code>{html.escape(p[1:-1])}</code>" if p.startswith("`") and p.endswith("`")
                   and len(p) > 1 else _emphasis(html.escape(p)) for p in parts)


def to_html(report: Report, folder) -> str:
    """The page; figures are read from `folder` (where their PNGs were written) and embedded."""
    folder = pathlib.Path(folder)
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{html.escape(report.title)}</title>", f"<style>{_STYLE}</style>",
           "</head><body>", f"<h1>{_inline(report.title)}</h1>"]
    for b in report.blocks:
        if isinstance(b, Heading):
            level = min(max(b.level, 1), 6)
            out.append(f"<h{level}>{_inline(b.text)}</h{level}>")
        elif isinstance(b, Para):
            out.append(f"<p>{_inline(b.text)}</p>")
        elif isinstance(b, Table):
            if b.caption:
                out.append(f"<p>{_inline(b.caption)}</p>")
            out.append('<table class="sortable"><thead><tr>' +
                       "".join(f"<th>{_inline(h)}</th>" for h in b.header) +
                       "</tr></thead><tbody>")
            for row in b.rows:
                tds = []
                for c in row:
                    attr = (f' data-sort="{c.sort!r}"' if isinstance(c.sort, float)
                            else "")
                    tds.append(f"<td{attr}>{html.escape(c.text)}</td>")
                out.append("<tr>" + "".join(tds) + "</tr>")
            out.append("</tbody></table>")
        elif isinstance(b, Figure):
            data = base64.b64encode((folder / b.path).read_bytes()).decode("ascii")
            out.append(f'<figure><img alt="{html.escape(b.caption)}" '
                       f'src="data:image/png;base64,{data}"><figcaption>{_inline(b.caption)}'
                       "</figcaption></figure>")
    out += [f"<script>{_SCRIPT}</script>", "</body></html>"]
    return "\n".join(out) + "\n"
