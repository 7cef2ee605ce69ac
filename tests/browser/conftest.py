"""The browser-test harness: JupyterLab in headless Chromium, as a person sees it.

One JupyterLab server and one Chromium serve the whole session. Each test gets
a ``lab`` fixture: its own folder inside the server's root, its own workspace
(so tests never restore each other's open tabs), its own browser page, and
helpers to open a notebook, run it, wait for what it draws and read the
browser's console. At the end of the test its kernels are shut down.

Nothing here is skipped: a missing Chromium or widget bundle fails the tests
with a message that says how to get it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import quote

import nbformat
import pytest
from playwright.sync_api import Browser, Locator, Page, sync_playwright

import jupyter_journey

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
BUNDLE = Path(jupyter_journey.__file__).parent / "static" / "widget.js"

# How long each kind of wait may take. They are generous for a 2-core machine
# running the server, a kernel and the browser at once.
SERVER_START_TIMEOUT_S = 60
SERVER_STOP_TIMEOUT_S = 15
PAGE_LOAD_TIMEOUT_MS = 60_000
KERNEL_READY_TIMEOUT_MS = 60_000
RUN_ALL_TIMEOUT_MS = 180_000
EVALUATE_TIMEOUT_MS = 30_000
WIDGET_TIMEOUT_MS = 30_000
ACTION_TIMEOUT_MS = 15_000
KERNEL_FILE_TIMEOUT_S = 30
KERNEL_SHUTDOWN_TIMEOUT_S = 15

VIEWPORT = {"width": 1400, "height": 1000}

# Settings that make every page load the same way: no news or update
# notifications popping over the notebook, and every cell in the DOM rather
# than only those scrolled into view.
USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}

# Runs its arguments as a command after asking Linux to send it SIGTERM when
# the process that started it dies, so a killed test run leaves no server.
_DIE_WITH_PARENT = """
import ctypes, os, signal, sys
ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
os.execv(sys.argv[1], sys.argv[1:])
"""

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config: pytest.Config) -> None:
    # An outer `timeout` (or CI) stops a run with SIGTERM, whose default action
    # ends pytest at once and leaves the server, kernels and browser behind. As
    # KeyboardInterrupt it lets every fixture's teardown run. Set once this file
    # is loaded, it holds for the rest of the session.
    signal.signal(signal.SIGTERM, _interrupt)


def private_jupyter_env(folder: Path) -> dict[str, str]:
    """The environment, with Jupyter's and IPython's folders inside ``folder``.

    Nothing in the user's home (a stray kernel spec, an extension's settings)
    then changes what a test sees, and the Hugging Face libraries stay offline.
    """
    return {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(folder / "config"),
        "JUPYTER_DATA_DIR": str(folder / "data"),
        "JUPYTER_RUNTIME_DIR": str(folder / "runtime"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "IPYTHONDIR": str(folder / "ipython"),
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
    }


@dataclass
class LabServer:
    """A running JupyterLab server; ``root`` is the folder it serves."""

    url: str
    root: Path
    log: Path
    process: subprocess.Popen[bytes]

    def api(self, method: str, path: str) -> Any:
        """Call the server's REST API and return the decoded JSON, if any."""
        request = urllib.request.Request(f"{self.url}{path}", method=method)
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's log, for failure messages."""
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def shut_down_sessions_under(self, folder: str) -> None:
        """Shut down every kernel session of a notebook inside ``folder``."""
        for session in self.api("GET", "/api/sessions"):
            if session["path"].startswith(f"{folder}/"):
                self.api("DELETE", f"/api/sessions/{session['id']}")
        deadline = time.monotonic() + KERNEL_SHUTDOWN_TIMEOUT_S
        while any(
            s["path"].startswith(f"{folder}/") for s in self.api("GET", "/api/sessions")
        ):
            if time.monotonic() > deadline:
                raise TimeoutError(f"kernels under {folder}/ still running")
            time.sleep(0.2)


@dataclass(frozen=True)
class ConsoleEntry:
    """One message from the browser: a console call or an uncaught error."""

    kind: str
    text: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.text}"


@dataclass
class Lab:
    """One test's view of JupyterLab: a page, a folder and a workspace.

    Attributes
    ----------
    page : playwright Page
        The browser page; use it for clicks and locators.
    root : Path
        This test's folder on disk, inside the server's root. Notebooks placed
        here run with it as their working folder.
    console : list of ConsoleEntry
        Everything the page logged so far.
    """

    page: Page
    root: Path
    server: LabServer
    workspace: str
    console: list[ConsoleEntry] = field(default_factory=list, repr=False)

    def path_of(self, name: str) -> str:
        """A file's path as the server names it (relative to its root)."""
        return f"{self.root.name}/{name}"

    def write_notebook(self, name: str, cells: list[str]) -> Path:
        """Write a notebook of code cells into this test's folder."""
        notebook = nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_code_cell(source) for source in cells],
            metadata={
                "kernelspec": {
                    "name": "python3",
                    "display_name": "Python 3",
                    "language": "python",
                }
            },
        )
        path = self.root / name
        nbformat.write(notebook, path)
        return path

    def copy_in(self, source: Path, name: str | None = None) -> Path:
        """Copy a file into this test's folder, under ``name`` or its own."""
        target = self.root / (name or source.name)
        target.write_bytes(source.read_bytes())
        return target

    def evaluate(
        self, function: str, arg: Any = None, *, timeout_ms: int = EVALUATE_TIMEOUT_MS
    ) -> Any:
        """Run a JavaScript function (given as source) in the page with ``arg``.

        ``page.evaluate`` alone waits forever for a promise that never settles,
        so the call is raced against a timer in the page.
        """
        race = f"""async ([arg, timeoutMs]) => Promise.race([
            ({function})(arg),
            new Promise((_, reject) => setTimeout(
                () => reject(new Error(`no answer in ${{timeoutMs}} ms`)),
                timeoutMs,
            )),
        ])"""
        return self.page.evaluate(race, [arg, timeout_ms])

    def open_notebook(self, name: str) -> None:
        """Open a notebook of this test's folder and wait until its kernel is idle."""
        path = self.path_of(name)
        url = f"{self.server.url}/lab/workspaces/{self.workspace}/tree/{quote(path)}"
        self.page.goto(url, timeout=PAGE_LOAD_TIMEOUT_MS)
        self.page.wait_for_function(
            "(path) => window.jupyterapp?.shell?.currentWidget?.context?.path === path",
            arg=path,
            timeout=PAGE_LOAD_TIMEOUT_MS,
        )
        self.page.wait_for_function(
            """() => {
                const context = window.jupyterapp.shell.currentWidget.sessionContext;
                return context.isReady && context.session?.kernel?.status === "idle";
            }""",
            timeout=KERNEL_READY_TIMEOUT_MS,
        )

    def run_all_cells(self, name: str, *, timeout_ms: int = RUN_ALL_TIMEOUT_MS) -> None:
        """Run every cell of the open notebook ``name``; fail on any cell error.

        Checks first that ``name`` is the current notebook, so a test never runs
        another one by mistake.
        """
        path = self.path_of(name)
        current = self.evaluate(
            "() => window.jupyterapp.shell.currentWidget?.context?.path ?? null"
        )
        assert current == path, f"the current notebook is {current!r}, not {path!r}"

        self.evaluate(
            """() => window.jupyterapp.commands.execute("notebook:run-all-cells")""",
            timeout_ms=timeout_ms,
        )

        errors = self.cell_errors()
        assert not errors, "cells raised:\n\n" + "\n\n".join(errors)

    def cell_errors(self) -> list[str]:
        """The error outputs (name, message and traceback) of the current notebook."""
        errors: list[str] = self.evaluate(
            """() => {
                const errors = [];
                const notebook = window.jupyterapp.shell.currentWidget.content;
                for (const cell of notebook.widgets) {
                    if (cell.model.type !== "code") continue;
                    for (const output of cell.model.outputs.toJSON()) {
                        if (output.output_type === "error") {
                            errors.push(output.traceback.join("\\n"));
                        }
                    }
                }
                return errors;
            }"""
        )
        return [_ANSI_ESCAPE.sub("", error) for error in errors]

    def wait_for(
        self,
        selector: str,
        *,
        timeout_ms: int = WIDGET_TIMEOUT_MS,
        state: str = "visible",
    ) -> Locator:
        """Wait until the first element matching ``selector`` reaches ``state``."""
        locator = self.page.locator(selector).first
        locator.wait_for(state=state, timeout=timeout_ms)  # type: ignore[arg-type]
        return locator

    def wait_for_count(
        self, selector: str, count: int, *, timeout_ms: int = WIDGET_TIMEOUT_MS
    ) -> int:
        """Wait until ``count`` or more elements match ``selector``; say how many."""
        self.page.wait_for_function(
            "([selector, n]) => document.querySelectorAll(selector).length >= n",
            arg=[selector, count],
            timeout=timeout_ms,
        )
        return self.page.locator(selector).count()

    def wait_for_file(
        self, name: str, content: str, *, timeout_s: float = KERNEL_FILE_TIMEOUT_S
    ) -> None:
        """Wait until the file ``name`` of this test's folder holds ``content``.

        The way a test learns that something done in the page reached Python:
        the kernel writes a file here.
        """
        path = self.root / name
        deadline = time.monotonic() + timeout_s
        while not (path.exists() and path.read_text() == content):
            if time.monotonic() > deadline:
                found = repr(path.read_text()) if path.exists() else "no such file"
                raise AssertionError(
                    f"waited {timeout_s} s for {name} to hold {content!r}: {found}"
                )
            time.sleep(0.2)

    def console_errors(self) -> list[str]:
        """Console errors and uncaught exceptions the page reported so far."""
        return [str(e) for e in self.console if e.kind in ("error", "pageerror")]

    def drawn_tree(self) -> DrawnTree:
        """The journey trees the page draws now, from the widget's data attributes.

        Reads every widget in the page together; a test that displays one
        journey reads that journey.
        """
        drawn = self.evaluate(
            """() => ({
                nodes: [...document.querySelectorAll("g.jj-node")].map((g) => [
                    Number(g.getAttribute("data-node-id")),
                    g.getAttribute("data-kind"),
                    g.getAttribute("data-parent-id"),
                ]),
                links: [...document.querySelectorAll("path.jj-link")].map((p) => [
                    Number(p.getAttribute("data-source")),
                    Number(p.getAttribute("data-target")),
                ]),
            })"""
        )
        return DrawnTree(
            nodes=[
                (node_id, kind, int(parent) if parent else None)
                for node_id, kind, parent in drawn["nodes"]
            ],
            links=[(source, target) for source, target in drawn["links"]],
        )


@dataclass(frozen=True)
class DrawnTree:
    """What the page draws of a journey tree, in drawing order.

    Attributes
    ----------
    nodes : list of (id, kind, parent id or None)
        One entry per ``g.jj-node``.
    links : list of (parent id, child id)
        One entry per ``path.jj-link``.
    """

    nodes: list[tuple[int, str, int | None]]
    links: list[tuple[int, int]]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _write_user_settings(folder: Path) -> None:
    for plugin, values in USER_SETTINGS.items():
        package, name = plugin.rsplit("/", 1)
        target = folder / package / f"{name}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))


def _wait_until_ready(server: LabServer) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(
                f"JupyterLab exited with status {server.process.returncode} "
                f"before it was ready:\n{server.log_tail()}"
            )
        try:
            server.api("GET", "/api/status")
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    pytest.fail(
        f"JupyterLab did not answer in {SERVER_START_TIMEOUT_S} s:\n{server.log_tail()}"
    )


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """A JupyterLab server on a free local port, serving a temporary root."""
    if not BUNDLE.is_file():
        pytest.fail(
            f"the widget bundle {BUNDLE} is missing; build it with "
            "`bash scripts/setup.sh` (or `npm run build` in js/)"
        )

    base = tmp_path_factory.mktemp("lab")
    root = base / "root"
    settings = base / "settings"
    root.mkdir()
    _write_user_settings(settings)
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        # Lets the harness shut kernels down over the REST API without a token.
        "--ServerApp.disable_check_xsrf=True",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={base / 'workspaces'}",
        "--LabApp.expose_app_in_browser=True",
    ]
    log = base / "server.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-c", _DIE_WITH_PARENT, *command],
            env=private_jupyter_env(base / "home"),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            # Its own session: a Ctrl-C in the terminal reaches pytest only, and
            # the teardown below stops the server (and so its kernels) in order.
            start_new_session=True,
        )
    server = LabServer(
        url=f"http://127.0.0.1:{port}", root=root, log=log, process=process
    )
    try:
        _wait_until_ready(server)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=SERVER_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} is missing; install it with `apt-get install -y chromium` "
            "(Playwright's own browser download is not used)"
        )

    # Chromium writes its config and caches under XDG folders, else in $HOME.
    home = tmp_path_factory.mktemp("chromium-home")
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
    }
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, env=env
        )
        yield chromium
        chromium.close()


_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Iterator[None]:
    # Keeps each phase's report on the test, so `lab` knows at teardown whether
    # the test failed and should leave a screenshot and the page's console.
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


@pytest.fixture
def lab(
    request: pytest.FixtureRequest, lab_server: LabServer, browser: Browser
) -> Iterator[Lab]:
    """A fresh folder, workspace and page in the session's JupyterLab."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name)[:60]
    workspace = f"{slug}-{uuid.uuid4().hex[:8]}"
    root = lab_server.root / workspace
    root.mkdir()

    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()
    lab = Lab(page=page, root=root, server=lab_server, workspace=workspace)
    page.on("console", lambda m: lab.console.append(ConsoleEntry(m.type, m.text)))
    page.on(
        "pageerror", lambda e: lab.console.append(ConsoleEntry("pageerror", str(e)))
    )

    yield lab

    call = request.node.stash.get(_REPORTS, {}).get("call")
    if call is not None and call.failed:
        screenshot = root / "failure.png"
        page.screenshot(path=screenshot, full_page=True)
        print(f"screenshot: {screenshot}")
        print("browser console:", *lab.console, sep="\n  ")
        print(f"server log ({lab_server.log}):\n{lab_server.log_tail()}")
    context.close()
    lab_server.shut_down_sessions_under(workspace)
