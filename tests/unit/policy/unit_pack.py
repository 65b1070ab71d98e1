"""The small policy pack the unit tests evaluate: models trained with more than 1e25 FLOP must
notify the authority within 14 days (a made-up "Unit Act", Art. 1 and Art. 3), so every figure a
test expects can be worked out by hand."""

from __future__ import annotations


def unit_pack(pack_id: str, title: str, *, discharged_by: str | None = None) -> str:
    """The pack's YAML, under ``pack_id``; ``discharged_by`` names the kind that discharges the duty."""
    discharge = f"\n    discharged_by: [{discharged_by}]" if discharged_by else ""
    return f"""\
id: {pack_id}
version: 1.0.0
title: {title}
jurisdiction: EU
effective:
  from: 2026-01-01
sources:
  law: {{document: The Unit Act}}
facts: [training_flop]
obligations:
  notify:
    title: Notify the authority
    cite: {{source: law, article: "Art. 1"}}{discharge}
    deadline: {{within: 14}}
rules:
  - id: big-model
    title: A model trained with more than 1e25 FLOP
    subject: model
    cite: {{source: law, article: "Art. 3"}}
    condition: training_flop > 1e25
    obligations: [notify]
"""
