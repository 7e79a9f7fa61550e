"""Settings: TOML file + ``COOPCTL_<SECTION>__<KEY>`` overrides, validated at start-up.

The schema (``coopctl.core.config_schema``) is the single source of truth: validation, defaults, the
environment overrides and ``config.example.toml`` (see ``render_example``) all
come from it. An unknown key or a value of the wrong type is a ``ConfigError``
(exit 2) naming the file, the key and the expected type.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from coopctl.core.config_schema import SCHEMA, Key  # noqa: F401  (re-exported)
from coopctl.core.errors import ConfigError, MoneyFormatError

SEARCH_PATHS = (
    Path("coopctl.toml"),
    Path(os.environ.get("XDG_CONFIG_HOME", str(Path.home() / ".config"))) / "coopctl/config.toml",
    Path("/etc/coopctl/config.toml"),
)


def _coerce(value: Any, typ: str, where: str, key: str) -> Any:
    def bad() -> ConfigError:
        return ConfigError(f"{where}: {key}: expected {typ}, got {value!r}")

    if typ == "str":
        if not isinstance(value, str):
            raise bad()
        return value
    if typ == "int":
        if isinstance(value, bool):
            raise bad()
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        raise bad()
    if typ == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
            return value.lower() in ("true", "1", "yes")
        raise bad()
    if typ in ("money", "percent"):
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise bad()
        from coopctl.core import money

        try:
            # Settings are not operator input: [money] max_amount caps inputs, not itself.
            return money.parse(str(value), field=key, allow_zero=True, capped=False)
        except MoneyFormatError:
            raise bad() from None
    if typ.startswith("list["):
        inner = typ[5:-1]
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list):
            raise bad()
        return [_coerce(v, inner, where, key) for v in value]
    raise AssertionError(f"unknown schema type {typ}")  # pragma: no cover


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, dict[str, Any]]:
    """{"approvals": {"withdrawal": {"threshold": 1}}} → {"approvals.withdrawal": {...}}."""
    out: dict[str, dict[str, Any]] = {}
    for k, v in data.items():
        name = f"{prefix}.{k}" if prefix else k
        if isinstance(v, dict):
            scalars = {kk: vv for kk, vv in v.items() if not isinstance(vv, dict)}
            nested = {kk: vv for kk, vv in v.items() if isinstance(vv, dict)}
            if scalars or name in SCHEMA:
                out[name] = scalars
            out.update(_flatten(nested, name))
        else:
            out.setdefault(prefix or "", {})[k] = v
    return out


@dataclass
class Settings:
    """Validated settings; ``settings["section"]["key"]`` or ``settings.get(section, key)``."""

    values: dict[str, dict[str, Any]]
    source: Path | None = None
    db_url_override: str | None = None
    data_dir_override: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, section: str) -> dict[str, Any]:
        return self.values[section]

    def get(self, section: str, key: str) -> Any:
        return self.values[section][key]

    @property
    def database_url(self) -> str:
        if self.db_url_override:
            return self.db_url_override
        env = os.environ.get("COOPCTL_DATABASE_URL")
        if env:
            return env
        return str(self.values["database"]["url"])

    @property
    def data_dir(self) -> Path:
        env = os.environ.get("COOPCTL_DATA_DIR")
        return Path(env or self.data_dir_override or self.values["storage"]["dir"])

    @property
    def key_file(self) -> Path:
        env = os.environ.get("COOPCTL_SECRET_KEY_FILE")
        if env:
            return Path(env)
        kf = self.values["security"]["key_file"]
        return Path(kf) if kf else self.data_dir / "secret.key"

    def approval(self, kind: str) -> dict[str, Any]:
        """The maker-checker policy of one operation kind."""
        return self.values[f"approvals.{kind}"]


def find_config_file(explicit: str | None) -> Path | None:
    if explicit:
        p = Path(explicit)
        if not p.is_file():
            raise ConfigError(f"{p}: config file not found")
        return p
    env = os.environ.get("COOPCTL_CONFIG")
    if env:
        p = Path(env)
        if not p.is_file():
            raise ConfigError(f"{p}: config file (COOPCTL_CONFIG) not found")
        return p
    for p in SEARCH_PATHS:
        if p.is_file():
            return p
    return None


def load(
    config_path: str | None = None,
    *,
    db_url: str | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Load, merge and validate settings. Raises ConfigError naming file and key."""
    env = os.environ if environ is None else environ
    path = find_config_file(config_path)
    raw: dict[str, dict[str, Any]] = {}
    if path is not None:
        try:
            with path.open("rb") as fh:
                raw = _flatten(tomllib.load(fh))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    where = str(path) if path else "config"
    values: dict[str, dict[str, Any]] = {
        s: {k: _coerce(key.default, key.type, "default", k) for k, key in keys.items()}
        for s, keys in SCHEMA.items()
    }
    for section, items in raw.items():
        if section not in SCHEMA:
            raise ConfigError(f"{where}: unknown section [{section}]")
        for k, v in items.items():
            if k not in SCHEMA[section]:
                raise ConfigError(f"{where}: unknown key {section}.{k}")
            values[section][k] = _coerce(v, SCHEMA[section][k].type, where, f"{section}.{k}")
    for name, v in env.items():
        if not name.startswith("COOPCTL_") or "__" not in name:
            continue
        parts = name[len("COOPCTL_") :].lower().split("__")
        section, k = ".".join(parts[:-1]), parts[-1]
        if section not in SCHEMA or k not in SCHEMA[section]:
            raise ConfigError(f"environment: {name}: unknown setting {section}.{k}")
        values[section][k] = _coerce(v, SCHEMA[section][k].type, "environment", name)
    settings = Settings(values=values, source=path, db_url_override=db_url)
    from coopctl.core import money

    money.set_rounding(values["money"]["rounding"])
    _apply_limits(values)
    return settings


def _apply_limits(values: dict[str, dict[str, Any]]) -> None:
    from coopctl.core import limits

    if values["money"]["max_amount"] <= 0:
        raise ConfigError("money.max_amount: must be more than zero")
    from coopctl.core.money import LARGEST_AMOUNT

    if values["money"]["max_amount"] > LARGEST_AMOUNT:
        raise ConfigError(
            f"money.max_amount: at most {LARGEST_AMOUNT} (the largest amount a BIGINT holds)"
        )
    if values["imports"]["max_file_bytes"] <= 0 or values["imports"]["max_errors"] <= 0:
        raise ConfigError("imports.max_file_bytes and imports.max_errors must be positive")
    limits.configure(
        max_amount=values["money"]["max_amount"],
        max_file_bytes=values["imports"]["max_file_bytes"],
        max_errors=values["imports"]["max_errors"],
    )


def render_example() -> str:
    """The text of ``config.example.toml``: every key, its default and its meaning."""
    lines = [
        "# coopctl configuration. Every key is optional; shown with its default.",
        "# Look-up: --config PATH, $COOPCTL_CONFIG, ./coopctl.toml,",
        "# $XDG_CONFIG_HOME/coopctl/config.toml, /etc/coopctl/config.toml.",
        "# Any key may be overridden by COOPCTL_<SECTION>__<KEY>, e.g.",
        "# COOPCTL_APPROVALS__WITHDRAWAL__THRESHOLD=500000.",
        "",
    ]
    for section, keys in SCHEMA.items():
        lines.append(f"[{section}]")
        for k, key in keys.items():
            lines.append(f"# {key.doc} ({key.type})")
            lines.append(f"{k} = {_toml_value(key.default, key.type)}")
        lines.append("")
    return "\n".join(lines)


def _toml_value(v: Any, typ: str) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, Decimal):
        return f'"{v}"'
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x, typ[5:-1]) for x in v) + "]"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


if __name__ == "__main__":  # python -m coopctl.core.config > config.example.toml
    print(render_example(), end="")
