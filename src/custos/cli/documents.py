"""Files a command reads as a document: JSON or YAML (a superset of JSON), within the bounds the
parser keeps on nesting and expansion, or a clear error naming the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from custos.core.errors import InvalidInput
from custos.core.yaml_lines import safe_load_bounded


def read_document(path: Path) -> Any:
    """The document in ``path``, or InvalidInput saying why it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}") from exc
    try:
        return safe_load_bounded(text)
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{path} is not JSON or YAML: {exc}") from exc
