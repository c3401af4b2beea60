"""app.toml is the documented example: it and the settings object list the same keys, each with a
comment, and its values are the defaults."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest

from app.config import CONFIG_ENV, SECTIONS, ConfigError, Settings, load_settings

EXAMPLE = Path(__file__).resolve().parent.parent / "app.toml"


def test_example_lists_exactly_the_settings_keys():
    raw = tomllib.loads(EXAMPLE.read_text())
    assert set(raw) == set(SECTIONS)
    for name, cls in SECTIONS.items():
        assert set(raw[name]) == {f.name for f in dataclasses.fields(cls)}, name


def test_brief_keys_exist_with_their_names():
    raw = tomllib.loads(EXAMPLE.read_text())
    assert {"host", "port", "base_url"} <= set(raw["server"])
    assert {"data_dir", "index_dir"} <= set(raw["storage"])
    mail_keys = {"smtp_host", "smtp_port", "smtp_username", "smtp_password", "smtp_starttls", "from_address"}
    assert mail_keys <= set(raw["mail"])


def test_every_key_has_a_comment_right_above_it():
    lines = EXAMPLE.read_text().splitlines()
    for i, line in enumerate(lines):
        if "=" in line and not line.lstrip().startswith("#"):
            assert lines[i - 1].lstrip().startswith("#"), f"no comment above: {line}"


def test_example_values_are_the_defaults():
    loaded = load_settings(EXAMPLE)
    default = Settings(root=loaded.root)
    assert loaded == default


def test_paths_resolve_against_the_config_folder(tmp_path):
    config = tmp_path / "conf" / "app.toml"
    config.parent.mkdir()
    config.write_text('[storage]\ndata_dir = "d"\n')
    settings = load_settings(config)
    assert settings.db_path == (tmp_path / "conf" / "d" / "helprealm.sqlite")


def test_environment_variable_names_the_file(tmp_path, monkeypatch):
    config = tmp_path / "other.toml"
    config.write_text("[server]\nport = 9123\n")
    monkeypatch.setenv(CONFIG_ENV, str(config))
    assert load_settings().server.port == 9123


@pytest.mark.parametrize("text, message", [
    ("[server]\nprot = 1\n", "unknown key(s) in [server]: prot"),
    ("[mial]\n", "unknown section(s): mial"),
    ("[server\n", "app.toml"),
])
def test_bad_config_says_what_is_wrong(tmp_path, text, message):
    config = tmp_path / "app.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
        load_settings(config)


def test_missing_named_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml")


def test_serve_port_override_moves_a_default_base_url_but_not_a_public_one():
    from app.cli import with_address_overrides
    from app.config import Settings

    local = with_address_overrides(Settings(), None, 9123)
    assert (local.server.port, local.server.base_url) == (9123, "http://127.0.0.1:9123")
    public = Settings().replace(server={"base_url": "https://help.example.com"})
    moved = with_address_overrides(public, "0.0.0.0", 9123)
    assert (moved.server.host, moved.server.port, moved.server.base_url) == ("0.0.0.0", 9123, "https://help.example.com")
    assert with_address_overrides(public, None, None) is public
