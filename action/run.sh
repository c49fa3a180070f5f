#!/usr/bin/env bash
# The action's check step: one schemasync run that prints annotations, writes the job
# summary, updates the pull-request comment and records the history, as the inputs say.
# Its exit code is schemasync's, also given as the step output `exit-code`.
set -uo pipefail

command="${SCHEMASYNC_ACTION_COMMAND:-check}"
case "$command" in
    check) args=(check --format github) ;;
    report) args=(report --format markdown --output "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/schemasync-report.md") ;;
    run) args=(run) ;;
    *)
        echo "::error title=schemasync::command: '$command' is not check, report or run"
        exit 2
        ;;
esac
[ -n "${SCHEMASYNC_ACTION_SOURCE:-}" ] && args+=(--source "$SCHEMASYNC_ACTION_SOURCE")
if [ "$command" != run ]; then
    [ -n "${SCHEMASYNC_ACTION_FAIL_ON:-}" ] && args+=(--fail-on "$SCHEMASYNC_ACTION_FAIL_ON")
    [ "${SCHEMASYNC_ACTION_OFFLINE:-false}" = "true" ] && args+=(--offline)
    [ "${SCHEMASYNC_ACTION_COMMENT:-true}" = "true" ] && args+=(--comment)
    [ -n "${SCHEMASYNC_ACTION_RECORD:-}" ] && args+=(--record "$SCHEMASYNC_ACTION_RECORD")
    [ -n "${GITHUB_STEP_SUMMARY:-}" ] && args+=(--step-summary)
fi

schemasync "${args[@]}"
code=$?
if [ -n "${GITHUB_OUTPUT:-}" ]; then
    printf 'exit-code=%s\n' "$code" >> "$GITHUB_OUTPUT"
fi
exit "$code"
