"""Knowledge-base documents: the instruction template, parsing, steps and front matter.

Everything in this package is pure Python over Markdown text, with no database and no
Textual import, so the services, the CLI and the screens can all share it.
"""
