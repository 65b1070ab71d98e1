"""Examples for the OpenAPI document's request bodies, taken from a real model.

Meta's Llama 3.1-405B as Epoch AI's table (shipped in ``custos/registry/data``, CC BY 4.0)
describes it, so a firm reading the document sees a passport it can recognise. Ids in examples
are placeholders: a real request names registered ones.
"""

from __future__ import annotations

from typing import Any

ORGANISATION_ID = "01JAZ0Q5V8M3K7T2W9X4C6B1DE"
MODEL_ID = "01JAZ0Q9R2N8P4F6H1J3K5M7MN"
DEPLOYER_ID = "01JAZ0QC4D6F8G1H3J5K7S9P2Q"

ORGANISATION: dict[str, Any] = {
    "content": {
        "name": "Meta AI",
        "jurisdiction": "US",
        "country": "US",
        "kinds": ["model_provider"],
        "jurisdictions": ["US", "EU"],
        "annual_revenue": {"amount": "134902000000", "currency": "USD"},
    },
    "visibility": {"annual_revenue": "supervisors"},
}

MODEL: dict[str, Any] = {
    "content": {
        "name": "Llama 3.1-405B",
        "provider_id": ORGANISATION_ID,
        "accessibility": "open_weights_restricted",
        "release_date": "2024-07-23",
        "domain": "Language",
        "task": "Language modeling/generation",
        "countries": ["US"],
    }
}

PASSPORT: dict[str, Any] = {
    "content": {
        "description": "A dense Transformer of 405B parameters with a context window of up to 128K "
        "tokens, supporting multilinguality, coding, reasoning and tool usage.",
        "provenance": {
            "source": "epoch",
            "reference": "https://ai.meta.com/research/publications/the-llama-3-herd-of-models/",
            "developers": ["Meta AI"],
            "publication_date": "2024-07-23",
            "notes": 'Epoch AI, "Data on AI Models" (snapshot of June 2025), CC BY 4.0, '
            "https://epoch.ai/data/ai-models",
        },
        "licence": "LicenseRef-Llama-3.1-Community",
        "datasets": [{"name": "Llama 3 dataset", "size_datapoints": 15.6e12}],
        "compute": {
            "training_flop": 3.8e25,
            "confidence": "confident",
            "estimation_method": "Reported,Operation counting",
            "parameters": 405e9,
            "training_dataset_size_datapoints": 15.6e12,
            "hardware_type": "NVIDIA H100 SXM5 80GB",
            "hardware_quantity": 16384,
            "training_time_hours": 2142,
            "utilisation": 0.4042,
            "power_draw_watts": 22622532.16,
            "post_training_flop": 9.4e22,
        },
        "intended_uses": ["Assistant-like chat", "Synthetic data generation", "Model distillation"],
        "out_of_scope_uses": ["Use in violation of applicable laws or the acceptable use policy"],
    },
    "visibility": {"compute": "supervisors"},
}

DEPLOYMENT: dict[str, Any] = {
    "content": {
        "name": "Retail credit pre-screening",
        "deployer_id": DEPLOYER_ID,
        "model_id": MODEL_ID,
        "jurisdictions": ["DE", "FR"],
        "sector": "finance",
        "decision_critical": True,
        "economic_exposure": {"amount": "250000000", "currency": "EUR"},
        "user_population": 1200000,
        "start_date": "2026-01-15",
    }
}

LICENCE_APPLICATION: dict[str, Any] = {
    "content": {
        "applicant_id": DEPLOYER_ID,
        "model_id": MODEL_ID,
        "scope": {"jurisdictions": ["DE", "FR"], "sectors": ["finance"], "max_users": 2000000},
        "term_months": 24,
        "purpose": "Pre-screening of retail credit applications, with a human decision on each.",
    }
}

LICENCE_GRANT: dict[str, Any] = {
    "conditions": [
        {
            "id": "annual-stress-test",
            "description": "A passed stress test is on file.",
            "evidence": "stress_test.completed",
            "suspend_on_lapse": True,
        }
    ],
    "valid_from": "2026-01-01",
    "valid_until": "2027-12-31",
}

DECISION: dict[str, Any] = {
    "deployer": DEPLOYER_ID,
    "model": MODEL_ID,
    "jurisdiction": "DE",
    "sector": "finance",
    "users": 1200000,
    "subject_key": "customer-4711",
}
