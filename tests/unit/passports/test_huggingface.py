from __future__ import annotations

import pytest

from custos.passports.huggingface import parse_model_card

CARD = """---
language: en
license: apache-2.0
pipeline_tag: text-classification
datasets:
- stanfordnlp/imdb
base_model: distilbert/distilbert-base-uncased
base_model_relation: finetune
co2_eq_emissions:
  emissions: 149.2
  source: CodeCarbon
  geographical_location: Frankfurt, Germany
  hardware_used: 1 x NVIDIA A100 40GB
model-index:
- name: acme/distilbert-imdb
  results:
  - task: {type: text-classification, name: Text Classification}
    dataset: {type: stanfordnlp/imdb, name: IMDb, split: test}
    metrics:
    - {type: accuracy, value: 0.9312, name: Accuracy, verified: false}
---

# distilbert-imdb

Sentiment of movie reviews.

## Intended uses & limitations

Classifying English movie reviews.

## Bias, Risks, and Limitations

Poor on sarcasm.

## Out-of-Scope Use

Not for decisions about people.
"""


def test_the_card_fills_the_passport() -> None:
    parsed = parse_model_card(CARD)
    assert parsed.problems == []
    (item,) = parsed.items
    assert item.organisations[0].name == "acme"
    assert item.model == {"name": "distilbert-imdb", "task": "text-classification", "lineage": "finetune"}
    assert item.base_model_name == "distilbert/distilbert-base-uncased"
    passport = item.passport
    assert passport["licence"] == "apache-2.0"
    assert passport["datasets"] == [{"name": "stanfordnlp/imdb"}]
    assert passport["energy"]["co2_eq_kg"] == pytest.approx(0.1492)  # the card says grams
    assert passport["evaluations"] == [
        {
            "task": "Text Classification",
            "dataset": "IMDb",
            "metric": "Accuracy",
            "value": 0.9312,
            "verified": False,
        }
    ]
    assert passport["out_of_scope_uses"] == ["Not for decisions about people."]
    assert passport["known_limitations"] == ["Poor on sarcasm."]
    assert passport["description"].startswith("# distilbert-imdb")


def test_the_provider_can_be_named_when_the_card_does_not() -> None:
    card = CARD.replace("acme/distilbert-imdb", "distilbert-imdb")
    assert parse_model_card(card).problems[0].path == "organisation"
    (item,) = parse_model_card(card, organisation="Acme SA").items
    assert item.organisations[0].name == "Acme SA"


@pytest.mark.parametrize(
    ("card", "path"),
    [
        ("---\nlicense: [mit\n---\n# x\n", "front matter"),
        ("---\n- a\n- b\n---\n# x\n", "front matter"),
        ("# just prose\n", "front matter"),
        (CARD.replace("value: 0.9312, ", ""), "front matter"),
        (CARD.replace("emissions: 149.2", "emissions: lots"), "co2_eq_emissions.emissions"),
        (CARD.replace("base_model_relation: finetune", "base_model_relation: banana"), "base_model_relation"),
    ],
)
def test_malformed_cards_are_problems_with_their_place(card: str, path: str) -> None:
    parsed = parse_model_card(card)
    assert parsed.items == []
    assert parsed.problems[0].path == path
