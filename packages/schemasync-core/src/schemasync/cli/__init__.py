"""The command line: argument parsing, output, exit codes.

``main`` is the ``schemasync`` command; it calls into the stage that does each command's work
(``codegen.generate`` for ``run``, ``drift`` for ``check``, ``diff`` and ``report``). The
commands that only the command line uses live here too: ``lint`` (``lint-migrations``) and
``githook`` (``install-hook``).

May import anything in the package. Nothing imports it, except ``schemasync.__main__``:
everything a plugin, a test or another tool needs is reachable without the command line.
"""
