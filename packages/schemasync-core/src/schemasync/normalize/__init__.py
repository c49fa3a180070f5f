"""Normalizers: transformations of an introspected schema before it is emitted or compared.

``filters`` holds the core's own (``exclude-tables``), registered through the ``schemasync``
entry point; third parties add theirs through the same ``schemasync_normalizers`` hook, and
:mod:`schemasync.pipeline` chains them.

May import: the contracts (``ir``, ``api``, ``hookspecs``, ``errors``) only.
"""
