"""View definitions in one layout whatever the server's release, worked out once: the forms
of the last few schemas read are kept in the user's cache folder."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from schemasync.sources.sqltext import canonical_queries, canonical_query

VIEWS = [
    " SELECT projects.id,\n    projects.name\n   FROM projects\n  WHERE projects.open;",
    " SELECT a.id, b.id AS other\n   FROM a\n     JOIN b ON b.id = a.id;",
]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "schemasync"


def _files(cache: Path) -> list[Path]:
    """The cache files of the views, one per set of views read."""
    return list(cache.glob("views-*/*.json"))


def _cached(cache: Path) -> dict[str, str]:
    (path,) = _files(cache)
    return msgspec.json.decode(path.read_bytes(), type=dict[str, str])


def test_the_forms_are_canonical_query_s(cache: Path) -> None:
    assert canonical_queries(VIEWS) == {text: canonical_query(text) for text in VIEWS}
    assert canonical_queries([]) == {}
    # Qualifiers PostgreSQL 16 no longer prints are dropped.
    assert "projects.name" not in canonical_queries(VIEWS)[VIEWS[0]]


def test_a_second_read_takes_the_forms_from_the_cache(cache: Path) -> None:
    canonical_queries(VIEWS)
    assert _cached(cache) == {text: canonical_query(text) for text in VIEWS}
    (path,) = _files(cache)
    # What the cache says is what is used: a changed entry shows it was not parsed again.
    path.write_bytes(msgspec.json.encode({VIEWS[0]: "from the cache", VIEWS[1]: "too"}))

    assert canonical_queries(VIEWS) == {VIEWS[0]: "from the cache", VIEWS[1]: "too"}


def test_a_new_view_is_parsed_and_the_others_are_taken_from_the_last_schema(
    cache: Path,
) -> None:
    canonical_queries(VIEWS)
    (path,) = _files(cache)
    path.write_bytes(msgspec.json.encode({VIEWS[0]: "from the cache", VIEWS[1]: "too"}))
    added = " SELECT 1 AS one;"

    assert canonical_queries([VIEWS[1], added]) == {
        VIEWS[1]: "too",
        added: canonical_query(added),
    }


def test_the_cache_keeps_the_last_few_schemas_apart(cache: Path) -> None:
    schemas = [[f" SELECT {n} AS n{n};", VIEWS[0]] for n in range(6)]
    for views in schemas:
        canonical_queries(views)
    assert len(_files(cache)) == 4  # the oldest are removed: the folder stays small
    for path in _files(cache):
        forms = msgspec.json.decode(path.read_bytes(), type=dict[str, str])
        path.write_bytes(msgspec.json.encode(dict.fromkeys(forms, "from the cache")))

    # Reading the other projects in between did not throw out the last ones' forms.
    for views in schemas[2:]:
        assert canonical_queries(views) == dict.fromkeys(views, "from the cache")
    assert canonical_queries(schemas[0])[schemas[0][0]] == canonical_query(schemas[0][0])


@pytest.mark.parametrize("content", [b"", b"{not json", b'{"a": 1}', b"[]"])
def test_a_damaged_cache_is_rebuilt(cache: Path, content: bytes) -> None:
    canonical_queries(VIEWS)
    (path,) = _files(cache)
    path.write_bytes(content)

    assert canonical_queries(VIEWS) == {text: canonical_query(text) for text in VIEWS}
    assert _cached(cache) == {text: canonical_query(text) for text in VIEWS}


def test_without_a_cache_folder_the_forms_are_still_right(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))

    assert canonical_queries(VIEWS) == {text: canonical_query(text) for text in VIEWS}
