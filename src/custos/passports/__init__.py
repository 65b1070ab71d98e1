"""Model passports and their formats: CycloneDX 1.6 ML-BOM, SPDX 3.0 AI/Dataset, Hugging Face
model cards and Epoch AI's model table; validation and completeness."""

from custos.passports.completeness import REQUIRED, Completeness, assess
from custos.passports.model import (
    Compute,
    Confidence,
    Dataset,
    Energy,
    Evaluation,
    Money,
    Passport,
    Provenance,
)

__all__ = [
    "REQUIRED",
    "Completeness",
    "Compute",
    "Confidence",
    "Dataset",
    "Energy",
    "Evaluation",
    "Money",
    "Passport",
    "Provenance",
    "assess",
]
