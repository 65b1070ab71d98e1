"""The frame of a self-contained HTML report: the page, its style, and the tiles of headline
figures.

The stress test's report and the labour report are single files with no scripts and no styles or
fonts from elsewhere, so they open offline and can be attached to a letter as they are. They share
this frame so that the two read alike; each adds only the rules of its own parts.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

#: The rules every report uses: the page, tables and captions, the figure tiles and the charts.
STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:72rem;color:#1b1b1b;line-height:1.45}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border-bottom:1px solid #ccc;padding:.25rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}
.figures{display:grid;gap:.8rem}
.figure{border:1px solid #ccc;border-radius:.4rem;padding:.6rem}
.figure b{display:block;font-size:1.3rem}
.figure small{display:block;color:#555}
figure{margin:1rem 0;overflow-x:auto}
svg{max-width:100%;height:auto}
"""


def figure_tiles(tiles: Iterable[tuple[str, str, str]]) -> str:
    """The headline figures as tiles: each a label, its value, and a note under it (none if empty)."""
    body = "".join(
        f'<div class="figure">{escape(label)}<b>{escape(value)}</b>'
        + (f"<small>{escape(note)}</small>" if note else "")
        + "</div>"
        for label, value, note in tiles
    )
    return f'<section class="figures" aria-label="Headline figures">{body}</section>'


def page(title: str, body: str, style: str) -> str:
    """The whole page: ``body`` under the shared rules and the report's own ``style``."""
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/><title>{escape(title)}</title>'
        f"<style>{STYLE}{style}</style></head><body>\n{body}\n</body></html>\n"
    )
