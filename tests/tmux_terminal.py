"""Drive a program in a real terminal: a detached tmux session, send-keys and capture-pane."""

import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest


class TmuxTerminal:
    def __init__(self, command: list[str], *, width: int = 100, height: int = 30,
                 environment: dict[str, str] | None = None, cwd: Path | None = None):
        if shutil.which("tmux") is None:
            pytest.skip("tmux is not installed; run `make test` as root or `apt-get install -y tmux`")
        self.name = f"opstui-test-{uuid.uuid4().hex[:8]}"
        exports = " ".join(f"{key}={_quote(value)}" for key, value in (environment or {}).items())
        shell_command = f"{'env ' + exports + ' ' if exports else ''}{' '.join(_quote(part) for part in command)}"
        subprocess.run(["tmux", "new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height),
                        shell_command + "; echo '[exited with status' $? ']'; sleep 30"],
                       check=True, cwd=cwd)

    def send(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def type(self, text: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, "-l", text], check=True)

    def screen(self) -> str:
        result = subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True,
                                check=True)
        return result.stdout

    def wait_for(self, text: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} did not appear within {timeout} s; the screen shows:\n{screen}")

    def wait_for_line(self, *parts: str, timeout: float = 15.0) -> str:
        """Wait until one line of the screen contains every one of ``parts``."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            for line in screen.splitlines():
                if all(part in line for part in parts):
                    return line
            time.sleep(0.1)
        raise AssertionError(f"no line with {parts!r} within {timeout} s; the screen shows:\n{screen}")

    def wait_for_any(self, *texts: str, timeout: float = 15.0) -> str:
        """Wait until one of ``texts`` is on screen; return the screen."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if any(text in screen for text in texts):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"none of {texts!r} appeared within {timeout} s; the screen shows:\n{screen}")

    def wait_until_gone(self, text: str, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text not in self.screen():
                return
            time.sleep(0.1)
        raise AssertionError(f"{text!r} was still on screen after {timeout} s")

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def _quote(value: str) -> str:
    import shlex

    return shlex.quote(str(value))
