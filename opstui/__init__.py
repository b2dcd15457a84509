"""opstui: guide operations changes through a twelve-step process from the terminal."""

__version__ = "0.1.0"
