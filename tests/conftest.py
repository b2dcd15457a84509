"""Shared fixtures: isolated folders, a real SQLite file, and the public corpus."""

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def corpus_dir() -> Path:
    """Return the folder of real public files, or skip when it is absent."""
    corpus = Path(os.environ.get("OPSTUI_CORPUS", REPO_ROOT.parent / "shared" / "corpus"))
    if not corpus.is_dir():
        pytest.skip(f"corpus folder {corpus} not found; set OPSTUI_CORPUS to the shared corpus")
    return corpus


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch):
    """Point config, data and log folders at a private temporary home for every test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    for name in list(os.environ):
        if name.startswith("OPSTUI_") and name != "OPSTUI_CORPUS":
            monkeypatch.delenv(name, raising=False)
    return home
