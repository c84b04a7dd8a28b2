"""MLflow's REST API on ``headway server``: the official ``mlflow`` client works unchanged.

Experiments are Headway projects, runs are Headway runs, logged models and registered
models are Headway artifacts and registered models. The wire contract these modules follow
is recorded in ``research/mlflow/SPEC.md``.
"""
