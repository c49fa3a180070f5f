"""Loading the configuration: where it is found, what it may say, and how it says it is wrong.

No database is needed: these tests only write files under ``tmp_path`` and set variables.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from schemasync.config import DEFAULT_DSN_ENV, Config, Settings, find_config, load_config
from schemasync.errors import ConfigError

DSN_VARS = ("SUPABASE_DB_URL", "DATABASE_URL", "MY_DB_URL", "OTHER_DB_URL")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No DSN variable from the developer's shell, and a working directory of our own."""
    for name in DSN_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def config_error(path: Path | None = None) -> ConfigError:
    """The ConfigError that loading ``path`` (else searching from the cwd) raises."""
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.exit_code == 3
    return caught.value


# --- finding the file ------------------------------------------------------------------------


def test_no_file_means_the_defaults(tmp_path: Path) -> None:
    config = load_config()
    assert config.path is None
    assert config.settings == Settings()
    assert config.settings.dsn_env == DEFAULT_DSN_ENV == ("SUPABASE_DB_URL", "DATABASE_URL")
    assert config.root == tmp_path
    assert config.origin == "the defaults"


def test_pyproject_table_is_found_from_a_nested_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pyproject = write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "app"\n\n[tool.schemasync]\ninclude_schemas = ["billing"]\n',
    )
    nested = tmp_path / "src" / "app" / "models"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)

    config = load_config()

    assert config.path == pyproject
    assert config.root == tmp_path
    assert config.settings.include_schemas == ("billing",)
    assert config.raw == {"include_schemas": ["billing"]}
    assert config.origin == f"[tool.schemasync] in {pyproject}"


def test_start_argument_searches_from_there_instead_of_the_cwd(tmp_path: Path) -> None:
    project = tmp_path / "project"
    pyproject = write(project / "pyproject.toml", "[tool.schemasync]\nsource = 'postgres'\n")
    (project / "deep" / "er").mkdir(parents=True)

    assert load_config().path is None  # the cwd, tmp_path, holds no config
    assert load_config(start=project / "deep" / "er").path == pyproject
    assert find_config(project / "deep") == pyproject


def test_schemasync_toml_wins_over_pyproject_in_the_same_folder(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.schemasync]\nprofile = 'python'\n")
    dedicated = write(tmp_path / "schemasync.toml", "profile = 'json'\n")

    config = load_config()

    assert config.path == dedicated
    assert config.settings.profile == "json"
    assert config.origin == f"the top level of {dedicated}"


def test_nearer_folder_wins_over_a_parent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "schemasync.toml", "profile = 'json'\n")
    inner = write(tmp_path / "sub" / "pyproject.toml", "[tool.schemasync]\nprofile = 'python'\n")
    monkeypatch.chdir(tmp_path / "sub")

    assert load_config().path == inner


def test_pyproject_without_the_table_is_skipped_while_walking_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outer = write(tmp_path / "pyproject.toml", "[tool.schemasync]\nexclude_schemas = ['audit']\n")
    # A package of its own inside the project, with other tools configured but not us.
    write(tmp_path / "pkg" / "pyproject.toml", '[project]\nname = "pkg"\n\n[tool.ruff]\n')
    monkeypatch.chdir(tmp_path / "pkg")

    config = load_config()

    assert config.path == outer
    assert config.settings.exclude_schemas == ("audit",)


def test_pyproject_with_an_empty_table_counts(tmp_path: Path) -> None:
    pyproject = write(tmp_path / "pyproject.toml", "[tool.schemasync]\n")

    config = load_config()

    assert config.path == pyproject
    assert config.settings == Settings()


# --- key spellings and values ----------------------------------------------------------------


def test_snake_case_keys(tmp_path: Path) -> None:
    write(
        tmp_path / "schemasync.toml",
        "dsn_env = ['MY_DB_URL']\ninclude_schemas = ['a', 'b']\nexclude_schemas = ['c']\n"
        "exclude_tables = ['a.tmp_*']\nstatement_timeout = 5\nprofile = 'json'\n",
    )

    settings = load_config().settings

    assert settings == Settings(
        dsn_env=("MY_DB_URL",),
        include_schemas=("a", "b"),
        exclude_schemas=("c",),
        exclude_tables=("a.tmp_*",),
        statement_timeout=5.0,
        profile="json",
    )


def test_kebab_case_keys(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        "[tool.schemasync]\ndsn-env = ['MY_DB_URL']\ninclude-schemas = ['a', 'b']\n"
        "exclude-schemas = ['c']\nexclude-tables = ['a.tmp_*']\nstatement-timeout = 2.5\n",
    )

    settings = load_config().settings

    assert settings.dsn_env == ("MY_DB_URL",)
    assert settings.include_schemas == ("a", "b")
    assert settings.exclude_schemas == ("c",)
    assert settings.exclude_tables == ("a.tmp_*",)
    assert settings.statement_timeout == 2.5


def test_dsn_env_as_a_string(tmp_path: Path) -> None:
    write(tmp_path / "schemasync.toml", "dsn_env = 'MY_DB_URL'\n")

    assert load_config().settings.dsn_env == ("MY_DB_URL",)


def test_dsn_env_as_a_list(tmp_path: Path) -> None:
    write(tmp_path / "schemasync.toml", "dsn-env = ['MY_DB_URL', 'OTHER_DB_URL']\n")

    assert load_config().settings.dsn_env == ("MY_DB_URL", "OTHER_DB_URL")


def test_explicit_config_path(tmp_path: Path) -> None:
    # Found by --config although it has neither of the searched names.
    elsewhere = write(tmp_path / "conf" / "db.toml", "include_schemas = ['x']\n")
    write(tmp_path / "schemasync.toml", "include_schemas = ['ignored']\n")

    config = load_config(elsewhere)

    assert config.path == elsewhere
    assert config.settings.include_schemas == ("x",)


# --- the database URL comes from the environment ---------------------------------------------


def test_dsn_from_the_first_default_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPABASE_DB_URL", "postgresql://supabase@db/one")
    monkeypatch.setenv("DATABASE_URL", "postgresql://plain@db/two")

    assert load_config().dsn() == "postgresql://supabase@db/one"


def test_dsn_falls_back_to_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://plain@db/two")

    assert load_config().dsn() == "postgresql://plain@db/two"


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch, blank: str) -> None:
    monkeypatch.setenv("SUPABASE_DB_URL", blank)
    monkeypatch.setenv("DATABASE_URL", "  postgresql://plain@db/two\n")

    assert load_config().dsn() == "postgresql://plain@db/two"


def test_dsn_from_the_first_set_variable_the_config_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "schemasync.toml", "dsn_env = ['MY_DB_URL', 'OTHER_DB_URL']\n")
    monkeypatch.setenv("OTHER_DB_URL", "postgresql://other@db/x")
    # The defaults are not consulted once the config names its own variables.
    monkeypatch.setenv("DATABASE_URL", "postgresql://plain@db/two")
    config = load_config()

    assert config.dsn() == "postgresql://other@db/x"
    monkeypatch.setenv("MY_DB_URL", "postgresql://mine@db/x")
    assert config.dsn() == "postgresql://mine@db/x"


def test_dsn_env_override_is_tried_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://plain@db/two")
    monkeypatch.setenv("MY_DB_URL", "postgresql://mine@db/x")
    config = load_config()

    assert config.dsn("MY_DB_URL") == "postgresql://mine@db/x"
    with pytest.raises(ConfigError) as caught:
        config.dsn("OTHER_DB_URL")
    assert "OTHER_DB_URL" in caught.value.message
    assert "DATABASE_URL" not in caught.value.message
    assert caught.value.hint is not None
    assert "export OTHER_DB_URL=" in caught.value.hint


def test_no_variable_set_names_the_variables() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config().dsn()

    error = caught.value
    assert error.exit_code == 3
    assert "SUPABASE_DB_URL" in error.message
    assert "DATABASE_URL" in error.message
    assert error.hint is not None
    assert "export SUPABASE_DB_URL=postgresql://" in error.hint


def test_no_variable_set_names_the_configured_variables(tmp_path: Path) -> None:
    write(tmp_path / "schemasync.toml", "dsn_env = ['MY_DB_URL', 'OTHER_DB_URL']\n")

    with pytest.raises(ConfigError) as caught:
        load_config().dsn()

    assert "MY_DB_URL, OTHER_DB_URL" in caught.value.message


# --- mistakes in the file --------------------------------------------------------------------


def test_unknown_key_names_the_key_and_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "schemasync.toml", "include_schemas = ['a']\ninclude_shemas = ['b']\n")

    error = config_error()

    assert "unknown key 'include_shemas'" in error.message
    assert str(path) in error.message


def test_unknown_key_suggests_the_nearest_and_lists_the_allowed(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.schemasync]\ninclude_schema = ['public']\n")

    error = config_error()

    assert error.hint is not None
    assert error.hint.startswith("did you mean `include_schemas`? allowed keys: ")
    assert "exclude_tables, fail_on," in error.hint


def test_unknown_nested_key_suggests_from_its_own_table(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", "[tool.schemasync.lint]\nplurals = 'require'\n")

    error = config_error()

    assert error.message == f"unknown key 'lint.plurals' in [tool.schemasync] in {path}"
    assert error.hint == "did you mean `plural`? allowed keys: columns, enums, plural, tables"


def test_wrong_value_lists_the_allowed_values(tmp_path: Path) -> None:
    write(tmp_path / "schemasync.toml", "fail_on = 'hihg'\n")

    error = config_error()

    assert error.hint == "did you mean `high`? allowed values: low, medium, high, critical"


def test_a_far_off_key_lists_the_allowed_without_a_guess(tmp_path: Path) -> None:
    write(tmp_path / "schemasync.toml", "zzz = 1\n")

    error = config_error()

    assert error.hint is not None
    assert error.hint.startswith("allowed keys: against, dsn_env, ")


def test_line_length_defaults_to_ruffs_and_is_read_in_both_spellings(tmp_path: Path) -> None:
    assert Settings().line_length == 88
    write(tmp_path / "schemasync.toml", "line_length = 120\n")
    assert load_config().settings.line_length == 120
    write(tmp_path / "schemasync.toml", "line-length = 60\n")
    assert load_config().settings.line_length == 60


def test_a_misspelt_line_length_suggests_the_key(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.schemasync]\nline_lenght = 100\n")

    error = config_error()

    assert error.hint is not None
    assert error.hint.startswith("did you mean `line_length`? allowed keys: ")


def test_unknown_kebab_key_is_named_in_snake_case(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", "[tool.schemasync]\nexclude-tablez = ['x']\n")

    error = config_error()

    assert "'exclude_tablez'" in error.message
    assert f"[tool.schemasync] in {path}" in error.message


def test_unknown_table_is_an_unknown_key(tmp_path: Path) -> None:
    path = write(tmp_path / "schemasync.toml", "[nested]\nx = 1\n")

    error = config_error()

    assert "unknown key 'nested'" in error.message
    assert str(path) in error.message


@pytest.mark.parametrize(
    ("line", "key", "expected"),
    [
        ("statement_timeout = 'soon'", "'statement_timeout'", "expected `float`, got `str`"),
        ("statement_timeout = true", "'statement_timeout'", "expected `float`, got `bool`"),
        ("include_schemas = 'public'", "'include_schemas'", "expected `array`, got `str`"),
        ("exclude-schemas = [1]", "'exclude_schemas[0]'", "expected `str`, got `int`"),
        ("dsn_env = 5", "'dsn_env'", "expected `array`, got `int`"),
        ("dsn_env = ['A', 5]", "'dsn_env[1]'", "expected `str`, got `int`"),
        ("profile = 'xml'", "'profile'", "invalid enum value 'xml'"),
        ("line_length = '88'", "'line_length'", "expected `int`, got `str`"),
        ("line_length = 88.5", "'line_length'", "expected `int`, got `float`"),
        ("line_length = 59", "'line_length'", "expected `int` >= 60"),
        ("line-length = 321", "'line_length'", "expected `int` <= 320"),
    ],
)
def test_wrong_type_names_the_key_and_the_file(
    tmp_path: Path, line: str, key: str, expected: str
) -> None:
    path = write(tmp_path / "schemasync.toml", line + "\n")

    error = config_error()

    assert error.message == f"{key} in the top level of {path}: {expected}"


def test_wrong_type_in_pyproject_names_the_table(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", "[tool.schemasync]\nstatement-timeout = [1]\n")

    error = config_error()

    assert error.message.startswith(f"'statement_timeout' in [tool.schemasync] in {path}: ")


@pytest.mark.parametrize("key", ["dsn", "database_url", "database-url", "url"])
def test_a_stored_database_url_is_refused(tmp_path: Path, key: str) -> None:
    password = "Sup3r-Secret-Pw"
    path = write(tmp_path / "schemasync.toml", f"{key} = 'postgresql://u:{password}@db/x'\n")

    error = config_error()

    assert "must not be stored" in error.message
    assert str(path) in error.message
    assert error.hint is not None
    assert "dsn_env" in error.hint
    assert password not in str(error)


def test_a_stored_database_url_in_pyproject_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", "[tool.schemasync]\ndsn = 'postgresql://db/x'\n")

    error = config_error()

    assert error.message.startswith("'dsn' in [tool.schemasync] in ")
    assert "must not be stored" in error.message
    assert str(path) in error.message


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "schemasync.toml", "include_schemas = ['a'\n")

    error = config_error()

    assert error.message.startswith(f"{path} is not valid TOML: ")


def test_invalid_pyproject_met_while_walking_up_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "pyproject.toml", "[tool.schemasync\n")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")

    error = config_error()

    assert str(path) in error.message
    assert "not valid TOML" in error.message


def test_file_that_is_not_utf8_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "schemasync.toml"
    path.write_bytes(b"profile = '\xff'\n")

    error = config_error()

    assert error.message.startswith(f"{path} is not valid TOML: ")


def test_tool_schemasync_that_is_not_a_table(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", "[tool]\nschemasync = 1\n")

    error = config_error()

    assert error.message == f"[tool.schemasync] in {path} must be a table"


def test_explicit_config_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "schemasync.toml"

    error = config_error(missing)

    assert error.message == f"config file {missing} does not exist"


def test_explicit_pyproject_without_the_table(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")

    error = config_error(path)

    assert error.message == f"{path} has no [tool.schemasync] table"


def test_empty_dsn_env_list(tmp_path: Path) -> None:
    path = write(tmp_path / "schemasync.toml", "dsn_env = []\n")

    error = config_error()

    assert "'dsn_env'" in error.message
    assert str(path) in error.message
    assert "at least one variable" in error.message


@pytest.mark.parametrize("value", ["-1", "0", "-0.5", "nan", "inf", "1e12", "0.0001"])
def test_statement_timeout_out_of_range(tmp_path: Path, value: str) -> None:
    # nan, inf and values past 2**31 - 1 ms once crashed the CLI when turned into ms.
    path = write(tmp_path / "schemasync.toml", f"statement_timeout = {value}\n")

    error = config_error()

    assert "'statement_timeout'" in error.message
    assert str(path) in error.message
    assert "must be a positive number of seconds" in error.message


@pytest.mark.parametrize("value", [0.001, 0.5, 30, 2147483.647])
def test_statement_timeout_in_range(tmp_path: Path, value: float) -> None:
    write(tmp_path / "schemasync.toml", f"statement_timeout = {value}\n")

    assert load_config().settings.statement_timeout == value


def test_config_is_immutable() -> None:
    config = Config()
    with pytest.raises(AttributeError):
        config.settings.profile = "json"  # type: ignore[misc]
