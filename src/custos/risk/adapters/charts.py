"""SVG images of the run's charts, rendered from their Vega-Lite specifications.

The report embeds these; the dashboard draws the same specifications in the browser, with the
Vega-Lite version pinned here matching the one vendored under ``dashboard/static/vendor`` (see
its README), so a chart looks the same in both. Rendering runs Vega in vl-convert's embedded
JavaScript engine: no browser, no network, safe from many threads.
"""

from __future__ import annotations

import re
from typing import Any

import vl_convert

#: The Vega-Lite release line vl-convert renders with; the vendored build is of the same line.
VEGA_LITE_VERSION = "6.4"

_IDS = re.compile(r'(id="|url\(#|href="#)([A-Za-z_][\w.-]*)')


def svg(spec: dict[str, Any], prefix: str = "") -> str:
    """The chart as a standalone ``<svg>`` element.

    Vega numbers its clip paths and gradients from one in every image; ``prefix`` makes them
    unique, so several charts can be inlined in one HTML page without taking each other's.
    """
    image: str = vl_convert.vegalite_to_svg(spec, vl_version=VEGA_LITE_VERSION)
    return _IDS.sub(lambda m: m.group(1) + prefix + m.group(2), image) if prefix else image
