"""The code-generation layer every emitter uses: naming, type mapping, the model of what to
generate, templates, file writing, and the lock and ``schema_version.py`` files."""
