"""Unattended operations: the job catalogue, the runner (idempotent, resumable,
catching up missed business dates), the built-in steps and the scheduler daemon.

Other contexts add steps with one call (see :mod:`coopctl.jobs.registry`).
"""
