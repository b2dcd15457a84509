"""Reusable Textual widgets of opstui (no SQL here)."""
