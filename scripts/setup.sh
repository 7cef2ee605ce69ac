#!/usr/bin/env bash
# Set up everything the project needs to run and test, in the checkout itself:
# a Python virtual environment in .venv with the package (editable) and its test
# tools, the front end's node_modules, and the widget bundle in
# jupyter_journey/static/. Safe to run again: a step whose inputs did not change
# since it last succeeded is skipped, so a second run takes a second or two.
#
# lab.sh and test.sh call it first; run it alone to prepare a checkout.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# torch comes first and pinned: left to the resolver, `pip install` on Linux
# picks a multi-GB CUDA build. 2.13.0 is the CPU wheel this project is tested with.
TORCH_REQUIREMENT="torch==2.13.0"

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

# Two scripts started at once (lab and tests) must not install into one .venv
# together; lock this file itself, so no lock file is left behind.
if command -v flock >/dev/null 2>&1; then
    exec 9<"${BASH_SOURCE[0]}"
    flock 9
fi

fingerprint() {
    # A hash of the named files' contents and of any extra words, so a stamp
    # changes when an input does.
    local words=$1
    shift
    { printf '%s\n' "$words"; cat "$@"; } | sha256sum | cut -d' ' -f1
}

is_up_to_date() {
    # Whether the stamp file $1 holds the fingerprint $2.
    [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]
}

pick_python() {
    local candidate
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
            echo "$candidate"
            return
        fi
    done
    die "no Python 3.10 or newer found (tried python3.11, python3); install Python 3.11"
}

setup_python() {
    local venv_python=.venv/bin/python
    if ! "$venv_python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
        local python
        python=$(pick_python)
        say "creating .venv with $python ($("$python" --version 2>&1))"
        rm -rf .venv
        "$python" -m venv .venv
    fi

    local stamp=.venv/.jj-setup-stamp
    local wanted
    wanted=$(fingerprint "$TORCH_REQUIREMENT $("$venv_python" --version 2>&1)" pyproject.toml)
    if is_up_to_date "$stamp" "$wanted"; then
        say "Python packages up to date"
        return
    fi

    say "installing $TORCH_REQUIREMENT"
    "$venv_python" -m pip install --progress-bar off -qq "$TORCH_REQUIREMENT"
    say "installing the package with its test tools (pip install -e \".[test]\")"
    "$venv_python" -m pip install --progress-bar off -qq -e ".[test]"
    # Fail here, not in a test, if the pin did not hold.
    "$venv_python" -c "import torch; assert torch.__version__.split('+')[0] == '${TORCH_REQUIREMENT#torch==}', torch.__version__" ||
        die "torch is not ${TORCH_REQUIREMENT#torch==} after the install; see README, Troubleshooting"
    echo "$wanted" >"$stamp"
}

setup_js() {
    [ -f js/package.json ] || die "js/package.json is missing: this checkout has no front end to build"
    [ -f js/package-lock.json ] || die "js/package-lock.json is missing: npm ci needs it"
    command -v npm >/dev/null 2>&1 || die "npm not found; install Node.js 20"

    local deps_stamp=js/node_modules/.jj-setup-stamp
    local wanted_deps
    wanted_deps=$(fingerprint "$(node --version)" js/package-lock.json)
    if is_up_to_date "$deps_stamp" "$wanted_deps"; then
        say "node_modules up to date"
    else
        say "installing the front end's packages (npm ci)"
        (cd js && npm ci --no-audit --no-fund --loglevel=error)
        echo "$wanted_deps" >"$deps_stamp"
    fi

    # The bundle depends on every file under js/ except node_modules (whose
    # inputs are the lock file, already in the deps stamp).
    local bundle=jupyter_journey/static/widget.js
    local build_stamp=jupyter_journey/static/.jj-build-stamp
    local sources wanted_build
    mapfile -t sources < <(find js -path js/node_modules -prune -o -type f -print | LC_ALL=C sort)
    wanted_build=$(fingerprint "$wanted_deps ${sources[*]}" "${sources[@]}")
    if [ -f "$bundle" ] && is_up_to_date "$build_stamp" "$wanted_build"; then
        say "widget bundle up to date"
    else
        say "building the widget bundle (npm run build)"
        (cd js && npm run --silent build)
        [ -f "$bundle" ] || die "npm run build finished but $bundle is missing"
        echo "$wanted_build" >"$build_stamp"
    fi
}

setup_python
setup_js
say "ready"
