"""A plugin that cannot be imported: it needs a module that is not installed."""

from __future__ import annotations

from collections.abc import Sequence

import schemasync_missing_dependency  # type: ignore[import-not-found]

from schemasync import hookimpl
from schemasync.api import Normalizer


@hookimpl
def schemasync_normalizers() -> Sequence[Normalizer]:
    """Never reached: the import above fails first."""
    normalizers: Sequence[Normalizer] = schemasync_missing_dependency.normalizers()
    return normalizers
