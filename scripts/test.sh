#!/usr/bin/env bash
# Set up the checkout (scripts/setup.sh), then run every check the project has:
# ruff (lint and format), mypy on the package, the front end's unit tests and
# the whole pytest suite, browser tests included. Every check runs even when an
# earlier one failed; the exit status is non-zero if any failed.
#
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -x tests/browser`.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

bash scripts/setup.sh || exit 1

export PATH="$root/.venv/bin:$PATH"
failed=()
total=0

check() {
    local name=$1
    shift
    printf '\n=== %s: %s\n' "$name" "$*"
    local start=$SECONDS
    total=$((total + 1))
    if "$@"; then
        printf '=== %s passed (%ds)\n' "$name" $((SECONDS - start))
    else
        printf '=== %s FAILED (%ds)\n' "$name" $((SECONDS - start))
        failed+=("$name")
    fi
}

check "ruff check" ruff check .
check "ruff format" ruff format --check .
check "mypy" mypy
check "js tests" npm --prefix js test
check "pytest" python -m pytest "$@"

# One closing line in the plain "N passed, N failed" form, counting checks.
printf '\nchecks: %d passed, %d failed\n' $((total - ${#failed[@]})) ${#failed[@]}
for name in "${failed[@]}"; do
    printf 'FAILED: %s\n' "$name"
done
[ ${#failed[@]} -eq 0 ]
