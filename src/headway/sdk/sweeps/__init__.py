"""Sweeps in the SDK: create them, run agents, and the trial a run belongs to."""
