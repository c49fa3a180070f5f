"""Sources: where a schema comes from, read into the IR.

A live database (``connect``, ``introspect``, with ``sqltext`` giving release-independent
SQL text), a migrations folder applied to a throwaway server (``migrations``, ``engine``,
with the Supabase compatibility layer in ``supabase``), and ``builtin``, which registers
the core's sources through the ``schemasync`` entry point.

May import: the contracts (``ir``, ``api``, ``hookspecs``, ``changes``, ``errors``) and the
shared helpers (``config``, ``redact``). Never ``codegen``, ``drift``, ``normalize`` or ``cli``:
reading a schema does not depend on what is done with it.
"""
