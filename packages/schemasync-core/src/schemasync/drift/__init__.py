"""Drift: comparing two schemas, or a schema and the committed models, and ranking the result.

``diff`` is the core's differ (``schemasync_compare``), ``severity`` its default rules,
``readback`` reads committed Python models back with ``ast`` (never importing them),
``codecheck`` compares those models with a schema, ``check`` runs both sides of
``schemasync check`` (lock and code, plus stale generated files), ``report`` renders the
result as text, JSON, Markdown or GitHub annotations, and ``workflow`` escapes GitHub
workflow commands.

May import: the contracts, the shared helpers (``config``, ``plugins``, ``pipeline``) and
``codegen`` (to know what a current generated file looks like). Never ``sources`` directly
(schemas arrive through the plugin host) and never ``cli``.
"""
