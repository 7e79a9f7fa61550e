"""Settings: look-up order, overrides, validation naming file, key and type."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from coopctl.core import config
from coopctl.core.errors import ConfigError
from tests.conftest import run_cli


def test_defaults_without_any_file(isolated: Path) -> None:
    s = config.load()
    assert s.source is None
    assert s.database_url == "sqlite:///coop.db"
    assert s.approval("withdrawal")["threshold"] == Decimal("1000000.00")
    assert s.data_dir == Path("./coop-data")


def test_local_file_is_found_and_env_overrides_it(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (isolated / "coopctl.toml").write_text(
        '[approvals.withdrawal]\nthreshold = "500,000"\n[members]\nmin_age = 16\n'
    )
    s = config.load()
    assert s.source == Path("coopctl.toml")
    assert s.approval("withdrawal")["threshold"] == Decimal("500000.00")
    assert s["members"]["min_age"] == 16
    monkeypatch.setenv("COOPCTL_MEMBERS__MIN_AGE", "21")
    assert config.load()["members"]["min_age"] == 21


def test_explicit_and_env_config_paths(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = isolated / "other.toml"
    p.write_text('[database]\nurl = "sqlite:///x.db"\n')
    assert config.load(str(p)).database_url == "sqlite:///x.db"
    monkeypatch.setenv("COOPCTL_CONFIG", str(p))
    assert config.load().database_url == "sqlite:///x.db"
    monkeypatch.setenv("COOPCTL_DATABASE_URL", "sqlite:///y.db")
    assert config.load().database_url == "sqlite:///y.db"
    assert config.load(db_url="sqlite:///z.db").database_url == "sqlite:///z.db"
    with pytest.raises(ConfigError, match="not found"):
        config.load(str(isolated / "missing.toml"))


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ("[members]\nmin_aeg = 3\n", "unknown key members.min_aeg"),
        ("[bogus]\nx = 1\n", "unknown section [bogus]"),
        ('[members]\nmin_age = "eighteen"\n', "members.min_age: expected int"),
        ("[database]\nbusy_timeout_ms = true\n", "expected int"),
        ('[approvals.withdrawal]\nthreshold = "1.234"\n', "expected money"),
        ("[members]\nrequired_documents = 5\n", "expected list[str]"),
        ("[members\n", "not valid TOML"),
    ],
)
def test_bad_config_is_exit_2_naming_file_and_key(isolated: Path, toml: str, needle: str) -> None:
    (isolated / "coopctl.toml").write_text(toml)
    with pytest.raises(ConfigError, match=None) as exc:
        config.load()
    assert needle in str(exc.value)
    assert "coopctl.toml" in str(exc.value)
    r = run_cli(["ledger", "verify"], {})
    assert r.exit_code == 2
    assert needle in r.stderr and "coopctl.toml" in r.stderr


def test_unknown_env_override_is_refused(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COOPCTL_MEMBERS__NOPE", "1")
    with pytest.raises(ConfigError, match="COOPCTL_MEMBERS__NOPE"):
        config.load()


def test_example_config_documents_every_key_and_loads() -> None:
    example = Path(__file__).parents[2] / "config.example.toml"
    text = example.read_text()
    assert text == config.render_example(), "regenerate: python -m coopctl.core.config"
    for section, keys in config.SCHEMA.items():
        assert f"[{section}]" in text
        for k, key in keys.items():
            assert f"# {key.doc}" in text and f"\n{k} = " in text
    config.load(str(example))
