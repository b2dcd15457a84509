"""Pure time-log logic: durations, instants, spans, reports and importers.

Nothing here touches the database or Textual, so the CLI, the services and the
screens share these functions and the tests run them without a store.
"""
