#!/usr/bin/env bash
# The action's install step: schemasync and the chosen emitters in a virtual environment of
# their own, whose bin folder is added to the job's PATH.
#
# SCHEMASYNC_ACTION_VERSION   empty (this action's revision), a version, or a checkout's path
# SCHEMASYNC_ACTION_EMITTERS  comma-separated emitter names
# SCHEMASYNC_ACTION_PYTHON    the interpreter (default python3)
set -euo pipefail

version="${SCHEMASYNC_ACTION_VERSION:-}"
python="${SCHEMASYNC_ACTION_PYTHON:-python3}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/schemasync-venv"

# A distribution as pip should be given it.
spec() {
    case "$version" in
        "") printf '%s\n' "$here/packages/$1" ;;
        */* | .*) printf '%s\n' "$version/packages/$1" ;;
        *) printf '%s==%s\n' "$1" "$version" ;;
    esac
}

packages=("$(spec schemasync-core)")
IFS=',' read -ra names <<< "${SCHEMASYNC_ACTION_EMITTERS:-}"
for name in "${names[@]}"; do
    name="${name//[[:space:]]/}"
    [ -z "$name" ] && continue
    if ! [[ "$name" =~ ^[a-z][a-z0-9-]*$ ]]; then
        echo "::error title=schemasync::emitters: '$name' is not an emitter name (typeddict, pydantic, msgspec, docs)"
        exit 2
    fi
    packages+=("$(spec "schemasync-$name")")
done

"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${packages[@]}"
if [ -n "${GITHUB_PATH:-}" ]; then
    printf '%s\n' "$venv/bin" >> "$GITHUB_PATH"
fi
"$venv/bin/schemasync" --version
