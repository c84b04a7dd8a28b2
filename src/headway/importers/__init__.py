"""Importers: bring runs recorded by other tools (W&B, TensorBoard, MLflow) into Headway.

``common`` holds what every importer shares (run discovery results, deterministic run
ids, bounded and numbered log batches, the report and the progress bar); each tool has
one module that reads its files with the tool's own reader, imported lazily.
"""
