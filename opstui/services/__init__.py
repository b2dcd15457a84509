"""Services: plain-Python operations shared by the CLI and the TUI (no Textual here)."""
