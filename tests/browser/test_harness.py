"""The harness itself: widgets render in JupyterLab and clicks reach the kernel.

If this fails, the widget tests cannot be trusted either way: fix the harness
(or the machine: Chromium, the server's packages) first.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

BUTTON_CELL = """
from pathlib import Path

import ipywidgets

button = ipywidgets.Button(description="Harness button")
button.add_class("harness-button")
button.on_click(lambda _: Path("button-clicked.txt").write_text("clicked"))
button
"""

ANYWIDGET_CELL = '''
from pathlib import Path

import anywidget
import traitlets


class Counter(anywidget.AnyWidget):
    _esm = """
    function render({ model, el }) {
      const button = document.createElement("button");
      button.className = "harness-anywidget";
      button.textContent = `clicked ${model.get("clicks")} times`;
      button.addEventListener("click", () => {
        model.set("clicks", model.get("clicks") + 1);
        model.save_changes();
      });
      model.on("change:clicks", () => {
        button.textContent = `clicked ${model.get("clicks")} times`;
      });
      el.appendChild(button);
    }
    export default { render };
    """
    clicks = traitlets.Int(0).tag(sync=True)


counter = Counter()
counter.observe(
    lambda change: Path("anywidget-clicks.txt").write_text(str(change["new"])),
    names="clicks",
)
counter
'''


def test_widgets_render_and_clicks_reach_the_kernel(lab):
    lab.write_notebook("harness.ipynb", [BUTTON_CELL, ANYWIDGET_CELL])
    lab.open_notebook("harness.ipynb")

    lab.run_all_cells("harness.ipynb")
    button = lab.wait_for(".harness-button")
    counter = lab.wait_for(".harness-anywidget")

    assert button.inner_text() == "Harness button"
    assert counter.inner_text() == "clicked 0 times"

    button.click()
    counter.click()
    counter.click()

    lab.wait_for_file("button-clicked.txt", "clicked")
    lab.wait_for_file("anywidget-clicks.txt", "2")
    assert lab.console_errors() == []
