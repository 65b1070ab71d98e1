"""The ``custos`` command line (Typer and Rich)."""
