"""Sweeps: hyperparameter search over Optuna's samplers and pruners, trials in the store."""
