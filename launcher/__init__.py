"""Starts and stops the whole Switchboard stack: one supervisor, per-process logs."""
