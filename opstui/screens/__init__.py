"""Screens of the opstui TUI (no SQL here: screens call services)."""
