"""Alerts: rules over metric and monitor-result series, and the engine that judges them.

:mod:`headway.alerting.conditions` is the pure evaluation engine (NumPy, no storage): given a
condition and a series it says, for every point, whether the condition is breached and
whether the rule is firing, with the band to draw.
"""
