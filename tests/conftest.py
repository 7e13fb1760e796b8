"""Shared fixtures: the shipped corpus, the shared data dir, a session-wide index of the seeds."""
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared"
SEEDS = sorted(CORPUS.glob("*.txt"))
# wall-clock bounds of the tests: a test running beside another one (pytest -n 2, the README's
# command) shares the machine's cores with it, so its bounds are twice the serial ones
TIME_SCALE = 2.0 if os.environ.get("PYTEST_XDIST_WORKER") else 1.0


@pytest.fixture(scope="session")
def shared_dir():
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED


@pytest.fixture(scope="session")
def seed_index_dir(tmp_path_factory):
    """An index of the shipped corpus, built once for the whole test session."""
    from searchlib.api import build
    path = tmp_path_factory.mktemp("idx") / "index"
    report = build([CORPUS], path)
    assert report.documents == len(SEEDS) and not report.skipped
    return path


@pytest.fixture(scope="session")
def seed_index(seed_index_dir):
    from searchlib.api import open_index
    with open_index(seed_index_dir) as idx:
        yield idx


def build_small_index(folder: Path, files: dict) -> Path:
    """Write ``files`` ({name: text}) to ``folder``/corpus, build an index of them in
    ``folder``/index and return the index path."""
    from searchlib.api import build
    corpus = folder / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    build([corpus], folder / "index")
    return folder / "index"
