"""The widget in JupyterLab Dark: charts, tree and tables stay readable.

Plotly draws in its own colours unless told otherwise; the widget takes
JupyterLab's, and redraws when the theme changes. The page also marks a node
stopped by hand and a node trained on test samples.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

CELLS = [
    "import time, warnings\n"
    "from jupyter_journey import EveryNIterations, Journey, JourneyWidget\n"
    "journey = Journey.create('dark')\n"
    "first, second = journey.train(EveryNIterations(40), nodes=2).wait()\n"
    "cases = journey.case_set()\n"
    "with warnings.catch_warnings():\n"
    "    warnings.simplefilter('ignore')  # the leakage is what is shown\n"
    "    cases.add_test_samples(journey, first)\n"
    "(leaky,) = journey.train(\n"
    "    EveryNIterations(40), nodes=1, parent=first, case_set=cases\n"
    ").wait()\n"
    "run = journey.train(EveryNIterations(10**6), nodes=1, parent=second)\n"
    "time.sleep(0.5)\n"
    "run.stop()\n"
    "run.wait()",
    "JourneyWidget(journey, selected=leaky.id)",
]

# Selectors the widget documents (js/src/tree-view.ts, js/src/inspector.ts).
CHART_TITLE = ".jj-confusion .gtitle"
NODE = "g.jj-node"
LEAKAGE = '.jj-inspector [data-field="leakage"]'

DARK = "JupyterLab Dark"
LIGHT = "JupyterLab Light"

# The relative luminance (0 black, 1 white) of an element's computed colour.
LUMINANCE = """([selector, property]) => {
    const element = document.querySelector(selector);
    const value = getComputedStyle(element)[property];
    const [r, g, b] = value.match(/[\\d.]+/g).slice(0, 3).map((c) => {
        const x = Number(c) / 255;
        return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}"""

CHANGE_THEME = """async (theme) => {
    await window.jupyterapp.commands.execute("apputils:change-theme", { theme });
}"""


def luminance(lab, selector: str, property: str) -> float:
    return float(lab.evaluate(LUMINANCE, [selector, property]))


def switch_theme(lab, theme: str) -> None:
    lab.evaluate(CHANGE_THEME, theme)
    lab.page.wait_for_function(
        "(theme) => document.body.dataset.jpThemeName === theme", arg=theme
    )


def test_dark_theme_draws_light_text_on_the_dark_page(lab):
    lab.write_notebook("dark.ipynb", CELLS)
    lab.open_notebook("dark.ipynb")
    lab.run_all_cells("dark.ipynb")
    lab.wait_for_count(NODE, 5)
    lab.wait_for(CHART_TITLE)
    light_title = luminance(lab, CHART_TITLE, "fill")

    try:
        switch_theme(lab, DARK)
        lab.page.wait_for_function(f"({LUMINANCE})(['{CHART_TITLE}', 'fill']) > 0.5")
        lab.wait_for(".jj-widget").screenshot(path=lab.root / "dark.png")
        dark = {
            "title": luminance(lab, CHART_TITLE, "fill"),
            "tick": luminance(lab, ".jj-confusion .xtick text", "fill"),
            "tree label": luminance(lab, ".jj-node-accuracy", "fill"),
            "table": luminance(lab, ".jj-per-class-table td", "color"),
            "page": luminance(lab, ".jp-NotebookPanel", "backgroundColor"),
        }
    finally:
        # The theme is a user setting of the session's server: put it back.
        switch_theme(lab, LIGHT)
    lab.page.wait_for_function(f"({LUMINANCE})(['{CHART_TITLE}', 'fill']) < 0.2")

    assert light_title < 0.2
    assert dark["page"] < 0.1
    for part in ("title", "tick", "tree label", "table"):
        assert dark[part] > 0.5, f"{part} is dark on the dark page: {dark}"
    assert lab.page.locator(f'{NODE}[data-stopped-by-hand="true"]').count() == 1
    assert lab.page.locator(f"{NODE}[data-leakage]").count() == 1
    assert lab.wait_for(LEAKAGE).inner_text().startswith("* trained on ")
    assert lab.console_errors() == []
