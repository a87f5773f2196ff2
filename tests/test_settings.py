from __future__ import annotations

from pathlib import Path

import pytest

from gratify.settings import Settings, SettingsError, redact_url, settings_table

DOCS = Path(__file__).parent.parent / "docs" / "settings.md"


def test_defaults_are_embedded_sqlite_and_outbox() -> None:
    settings = Settings.load(environ={})
    assert settings.is_sqlite
    assert settings.resolved_database_url.endswith("gratify-data/gratify.sqlite3")
    assert settings.resolved_keys_dir == Path("gratify-data/keys")
    assert settings.smtp_url == ""
    assert settings.default_language == "id"


def test_environment_overrides_file(tmp_path: Path) -> None:
    config = tmp_path / "gratify.toml"
    config.write_text('port = 9000\nworkers = 3\ndefault_language = "en"\n[[tenants]]\nslug="x"\n')
    settings = Settings.load(environ={"GRATIFY_PORT": "9100"}, config_file=config)
    assert settings.port == 9100
    assert settings.workers == 3
    assert settings.default_language == "en"


def test_config_file_named_by_environment(tmp_path: Path) -> None:
    config = tmp_path / "gratify.toml"
    config.write_text("secure_cookies = true\n")
    settings = Settings.load(environ={"GRATIFY_CONFIG": str(config)})
    assert settings.secure_cookies is True


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GRATIFY_PORT": "eighty"}, "GRATIFY_PORT"),
        ({"GRATIFY_WORKERS": "0"}, "GRATIFY_WORKERS"),
        ({"GRATIFY_SECURE_COOKIES": "maybe"}, "GRATIFY_SECURE_COOKIES"),
        ({"GRATIFY_DEFAULT_LANGUAGE": "fr"}, "GRATIFY_DEFAULT_LANGUAGE"),
        ({"GRATIFY_DATABASE_URL": "mysql://root:pw@db/x"}, "GRATIFY_DATABASE_URL"),
        ({"GRATIFY_SMTP_URL": "http://mail"}, "GRATIFY_SMTP_URL"),
        ({"GRATIFY_ARGON2_MEMORY_KIB": "4"}, "GRATIFY_ARGON2_MEMORY_KIB"),
    ],
)
def test_bad_values_name_the_setting(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.load(environ=env)


def test_bad_database_url_error_hides_password() -> None:
    with pytest.raises(SettingsError) as info:
        Settings.load(environ={"GRATIFY_DATABASE_URL": "mysql://root:hunter2@db/x"})
    assert "hunter2" not in str(info.value)


def test_unknown_key_in_file_is_an_error(tmp_path: Path) -> None:
    config = tmp_path / "gratify.toml"
    config.write_text("prot = 80\n")
    with pytest.raises(SettingsError, match="prot"):
        Settings.load(environ={}, config_file=config)


def test_unreadable_file_is_an_error(tmp_path: Path) -> None:
    config = tmp_path / "gratify.toml"
    config.write_text("port = = 1\n")
    with pytest.raises(SettingsError, match="cannot read"):
        Settings.load(environ={}, config_file=config)


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(AttributeError):
        settings.port = 1  # type: ignore[misc]


def test_secrets_never_in_repr_or_str() -> None:
    settings = Settings.load(
        environ={
            "GRATIFY_DATABASE_URL": "postgresql+asyncpg://app:s3cr3t-db@db.example/gratify",
            "GRATIFY_SMTP_URL": "smtp://mailer:s3cr3t-mail@mail.example:587",
        }
    )
    for shown in (repr(settings), str(settings), f"{settings}"):
        assert "s3cr3t" not in shown
        assert "db.example" in shown  # still useful to an operator


def test_redact_url_keeps_everything_but_the_password() -> None:
    assert redact_url("smtp://u:p@h:25/x") == "smtp://u:***@h:25/x"
    assert redact_url("sqlite+aiosqlite:///a/b") == "sqlite+aiosqlite:///a/b"


def test_docs_table_is_rendered_from_the_code() -> None:
    """docs/settings.md holds `gratify settings --markdown`; regenerate it when this fails."""
    assert settings_table() in DOCS.read_text("utf-8")
    for name in ("GRATIFY_DATA_DIR", "GRATIFY_DATABASE_URL", "GRATIFY_SMTP_URL"):
        assert name in settings_table()
