"""Service calls from screens: a user error becomes an error toast and a conflict a warning toast."""

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from opstui.errors import ConflictError, OpstuiError

log = logging.getLogger(__name__)

T = TypeVar("T")


class ServiceCalls:
    """Mixin for screens and widgets: ``self.call_service(fn, ...)`` with uniform error display."""

    def call_service(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        try:
            return function(*args, **kwargs)
        except ConflictError as error:
            log.info("conflict in %s: %s", getattr(function, "__name__", function), error)
            self.app.notify(str(error), title="Changed by someone else", severity="warning", timeout=8)
        except OpstuiError as error:
            log.info("rejected %s: %s", getattr(function, "__name__", function), error)
            self.app.notify(str(error), title="Not done", severity="error", timeout=8)
        return None
