"""Code generation: everything emitters share, from the model of what to generate to files.

``naming`` and ``types`` are the default naming and type-mapping rules, ``model`` what to
generate for a schema, ``relationships`` each relation's foreign keys both ways,
``constraints`` the CHECK translation, ``render`` and ``pysource``
the templates and Python source helpers, ``output`` atomic file writing, ``lock`` the lock
file and ``schema_version.py``, and ``generate`` the ``schemasync run`` step: emit every
chosen target, then write everything.

May import: the contracts and the shared helpers (``config``, ``plugins``). Never ``sources``,
``drift`` or ``cli``: generating code does not depend on where the schema came from or on
what it is compared with.
"""
