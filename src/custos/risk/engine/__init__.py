"""The stress-testing engine: pure computation, arrays and models in, numbers out.

The layered network as arrays (``network``, built and validated by ``network_build``, or generated
by ``synthetic``), the scenario model (``scenario``) compiled against it (``plan``, with the
correlation of failures from ``correlation``), one chunk of draws (``simulate``: operational
losses from ``operational``, contagion from ``financial`` and its kernels in ``contagion``), the
chunks folded in order (``montecarlo``), the metrics and buffers (``metrics``), the digests a
filed run names (``digests``), the charts as Vega-Lite specifications (``chart_specs``, data only,
no rendering), and the entry point that ties them together (``stress_test``).

Every module here imports only the standard library, ``custos.core``, other modules of the engine,
numpy, scipy, numba and pydantic: no files, no store, no cluster, no YAML, no rendering. What
touches those is in ``custos.risk.adapters``, so the engine can be tested, benchmarked and run on
a cluster's workers without any of them (``tests/unit/risk/engine/test_purity.py`` holds it to
that).
"""
