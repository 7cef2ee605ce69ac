"""Every notebook in notebooks/ runs top to bottom without an error.

Each runs in a fresh kernel, in a copy of the notebooks folder laid out as in a
checkout (with ../../shared reachable from it), so what a run writes, such as
a journey folder, lands in a temporary folder and never in the repository, and
a second run does not find the first run's files.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPOSITORY = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = REPOSITORY / "notebooks"
SHARED_DIR = REPOSITORY.parent / "shared"
QUICKSTART = NOTEBOOKS_DIR / "quickstart.ipynb"
# The quickstart is listed even when it is missing, so that its absence fails a
# test instead of leaving nothing to run.
NOTEBOOKS = sorted({*NOTEBOOKS_DIR.glob("*.ipynb"), QUICKSTART})
CELL_TIMEOUT_S = 600


@pytest.fixture
def private_jupyter_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A kernel spec or IPython start-up file in the user's home must not change
    # which Python runs the notebook or what it sees.
    home = tmp_path / "jupyter-home"
    home.mkdir()
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(home / "runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(home / "ipython"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.name)
@pytest.mark.usefixtures("private_jupyter_home")
def test_notebook_runs_top_to_bottom(notebook: Path, tmp_path: Path):
    assert notebook.is_file(), f"{notebook} is missing"
    workdir = tmp_path / REPOSITORY.name / "notebooks"
    shutil.copytree(
        NOTEBOOKS_DIR,
        workdir,
        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "journeys"),
    )
    if SHARED_DIR.is_dir():
        (tmp_path / "shared").symlink_to(SHARED_DIR)
    content = nbformat.read(workdir / notebook.name, as_version=4)
    client = NotebookClient(
        content,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
        shutdown_kernel="immediate",
    )

    # Raises CellExecutionError, with the cell and its traceback, on an error.
    client.execute()

    code = [c for c in content.cells if c.cell_type == "code" and c.source.strip()]
    assert all(cell.execution_count for cell in code), "some code cells did not run"
