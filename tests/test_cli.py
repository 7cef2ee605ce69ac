"""``jupyter-journey demo`` in a real subprocess, as a terminal user runs it."""

import re
import signal
import subprocess
import sys
import time

from jupyter_journey import Journey

COMMAND = [sys.executable, "-m", "jupyter_journey.cli"]


def test_demo_trains_prints_the_tree_and_exits_0(tmp_path):
    folder = tmp_path / "demo"

    done = subprocess.run(
        [*COMMAND, "demo", "--folder", str(folder), "--nodes", "4", "--every", "50"],
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 0, done.stderr
    assert "100%" in done.stderr  # the progress bar ran to its end
    journey = Journey.open(folder)
    printed = re.findall(r"#(\d+) .*accuracy (\d\.\d{4})", done.stdout)
    stored = [(str(n.id), f"{n.accuracy:.4f}") for n in journey.nodes()]
    assert printed == stored
    assert len(stored) == 5


def test_demo_with_a_bad_count_says_so_and_writes_nothing(tmp_path):
    done = subprocess.run(
        [*COMMAND, "demo", "--folder", str(tmp_path / "d"), "--every", "0"],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 2
    assert "whole number >= 1, got 0" in done.stderr
    assert not (tmp_path / "d").exists()


def test_ctrl_c_saves_a_node_where_training_stands_and_prints_the_tree(tmp_path):
    folder = tmp_path / "interrupted"
    demo = subprocess.Popen(
        [*COMMAND, "demo", "--folder", str(folder), "--nodes", "100000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    while count_nodes(folder) < 3 and demo.poll() is None:
        time.sleep(0.05)
    demo.send_signal(signal.SIGINT)
    out, err = demo.communicate(timeout=120)

    assert demo.returncode == 130, err
    assert "interrupted: the run saved a node where it stood" in err
    nodes = Journey.open(folder).nodes()
    assert nodes[-1].stop["kind"] == "manual"
    assert f"#{nodes[-1].id} iteration {nodes[-1].iteration}" in out


def count_nodes(folder):
    try:
        return len(Journey.open(folder).nodes())
    except FileNotFoundError:
        return 0
