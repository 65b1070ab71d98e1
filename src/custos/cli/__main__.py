"""``python -m custos.cli``: the same as the ``custos`` command."""

from custos.cli.app import main

main()
