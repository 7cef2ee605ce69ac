#!/usr/bin/env bash
# Set up the checkout (scripts/setup.sh) and open JupyterLab on the quickstart
# notebook. Extra arguments go to `jupyter lab`, e.g. `--port 8899`.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

bash scripts/setup.sh

# JupyterLab refuses to start as root unless told to; containers often run as root.
as_root=()
[ "$(id -u)" -eq 0 ] && as_root=(--allow-root)

# Served from the checkout's root, so the whole project shows in the file
# browser; a notebook path as argument would serve only its folder.
exec .venv/bin/jupyter lab "${as_root[@]}" \
    --LabApp.default_url=/lab/tree/notebooks/quickstart.ipynb "$@"
