"""The one error of its own the contagion kernels raise: an iteration that ran out of rounds."""

from __future__ import annotations

from custos.core.errors import CustosError


class NotConverged(CustosError):
    """An iterative kernel hit its iteration cap before the residual fell below the tolerance.

    ``evidence`` carries ``residual``, ``iterations`` and ``tolerance`` so the caller can judge
    whether to raise the cap, loosen the tolerance or use an exact method instead.
    """

    status = 422
    title = "Did not converge"
