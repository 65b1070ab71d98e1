"""What connects the engine to the world: files, the registry, the run's directory, processes,
a Dask cluster, rendering, and the log.

Networks from a folder of tables (``network_files``) or from the registry (``network_registry``);
scenarios from YAML (``scenario_yaml``) and from files, with the shipped examples
(``scenario_files``); matrices for the analysts' single-shot tools (``matrix_files``); the chip
counts behind the demonstration's compute providers (``compute_owners``); a run's directory of
results (``runs``), its computation in a process of its own (``worker``) and its chunks on a
cluster (``dask_runner``); the charts rendered to SVG (``charts``) and the HTML report
(``report``); and runs as filings (``service``), the one module that writes to the store.
"""
