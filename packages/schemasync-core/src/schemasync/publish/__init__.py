"""Publishing: a check's result beyond the terminal.

``comment`` keeps one pull-request comment up to date through GitHub's REST API,
``notify`` sends notifications (the core's Slack and JSON webhook notifiers, and the
``schemasync_notify`` hook that chooses who sends), ``history`` appends each check to a
JSON-lines file and reads back a timeline, and ``http`` is the small JSON client with
bounded timeouts and retries they share.

May import: the contracts, the shared helpers (``config``, ``plugins``, ``redact``) and
``drift`` (the result and its reports). Never ``sources``, ``normalize``, ``codegen`` or
``cli``.
"""
