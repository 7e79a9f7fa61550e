"""Settings: TOML file + ``COOPCTL_<SECTION>__<KEY>`` overrides, validated at start-up.

The schema below is the single source of truth: validation, defaults, the
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

from coopctl.core.errors import ConfigError, MoneyFormatError

# type names: str, int, bool, money, percent, list[str], list[int]


@dataclass(frozen=True)
class Key:
    type: str
    default: Any
    doc: str


def _approval(
    threshold: str | None,
    doc: str,
    otp: bool = False,
    *,
    levels: int | None = 1,
    roles: tuple[str, ...] = ("manager", "admin"),
) -> dict[str, Key]:
    """One workflow definition of the approvals engine (see docs/approvals.md);
    ``levels=None``: the context sets the number of levels (loans: committee_size)."""
    keys = {
        "enabled": Key("bool", True, f"{doc}: require a checker at all"),
        "threshold": Key(
            "money",
            threshold or "0.00",
            "amount from which the first band applies (0.00 = always)",
        ),
        "levels": Key("int", levels or 1, "levels of approval in the first band"),
        "approver_roles": Key(
            "list[str]", list(roles), "roles that may approve any level of the first band"
        ),
        "bands": Key(
            "list[str]",
            [],
            'more bands, "FROM: ROLES > ROLES": from that amount up, one level per ">", '
            'roles of a level joined by "|"; e.g. "10000000.00: manager|admin > admin"',
        ),
        "require_otp": Key("bool", otp, "approver must give --otp when enrolled in MFA"),
        "expire_days": Key(
            "int", 0, "days a pending action waits before `approvals expire` ends it (0 = never)"
        ),
    }
    if levels is None:
        del keys["levels"]
    return keys


SCHEMA: dict[str, dict[str, Key]] = {
    "cooperative": {
        "name": Key("str", "", "display name; `init --name` stores it in the database"),
        "timezone": Key("str", "Africa/Lagos", "time zone of business dates"),
        "logo": Key("str", "", "path to a PNG/SVG logo printed on PDF reports"),
    },
    "database": {
        "url": Key(
            "str", "sqlite:///coop.db", "SQLAlchemy URL; postgresql+psycopg://… in production"
        ),
        "busy_timeout_ms": Key("int", 30000, "SQLite: how long a writer waits for the lock"),
        "echo": Key("bool", False, "log every SQL statement (debugging only)"),
    },
    "storage": {
        "dir": Key("str", "./coop-data", "data folder: documents, backups, key file"),
    },
    "security": {
        "key_file": Key("str", "", "field-encryption key file (default <data dir>/secret.key)"),
        "otp_max_failures": Key("int", 5, "bad TOTP codes before the operator is locked"),
        "otp_issuer": Key("str", "coopctl", "issuer name shown in authenticator apps"),
        "audit_key_file": Key(
            "str",
            "",
            "audit MAC key file (default <data dir>/audit.key); $COOPCTL_AUDIT_KEY (base64) wins",
        ),
        "audit_anchor_path": Key(
            "str", "", "append-only audit anchor log (default <data dir>/audit-anchors.log)"
        ),
        "audit_anchor_syslog": Key(
            "bool", False, "also send each audit anchor to syslog/journald (a copy off the box)"
        ),
    },
    "money": {
        "rounding": Key("str", "ROUND_HALF_EVEN", "decimal rounding mode for every rounding"),
        "max_amount": Key(
            "money",
            "100000000000.00",
            "largest amount accepted from an operator or a file (larger: exit 2)",
        ),
    },
    "imports": {
        "max_file_bytes": Key(
            "int", 20_000_000, "largest import file accepted, checked before reading"
        ),
        "max_errors": Key("int", 50, "problems listed before an import stops (then 'and N more')"),
    },
    "approvals.manual_journal": _approval("1000000.00", "manual journals"),
    "approvals.withdrawal": _approval("1000000.00", "withdrawals"),
    "approvals.transfer": _approval("1000000.00", "transfers between member accounts"),
    "approvals.reversal": _approval(None, "reversals of posted entries"),
    "approvals.writeoff": _approval(None, "loan write-offs"),
    "approvals.kyc": _approval(None, "KYC approvals"),
    "approvals.dividend": _approval(None, "dividend runs"),
    "approvals.member_exit": _approval(None, "member exits"),
    "approvals.budget": _approval(None, "budget approvals"),
    "approvals.loan": _approval(
        None,
        "loan applications (committee of [loans] committee_size approvers)",
        levels=None,
        roles=("manager", "admin", "loan_officer"),
    ),
    "members": {
        "min_age": Key("int", 18, "minimum age in years on the join date"),
        "required_documents": Key(
            "list[str]", ["id_card", "passport_photo"], "document kinds needed for KYC"
        ),
        "max_document_bytes": Key("int", 10_000_000, "largest document accepted"),
        "allowed_document_types": Key(
            "list[str]",
            ["application/pdf", "image/jpeg", "image/png"],
            "sniffed MIME types accepted for documents",
        ),
        "block_deposits_before_kyc": Key("bool", False, "refuse deposits until KYC is approved"),
        "phone_region": Key(
            "str", "NG", "region for phone numbers written without +country code (E.164 stored)"
        ),
    },
    "deposits": {
        "wht_percent": Key("percent", "10", "withholding tax on savings interest (Nigeria: 10%)"),
    },
    "checkoff": {
        "priority": Key(
            "list[str]",
            ["loan_due", "fixed_savings", "savings"],
            "order in which a check-off amount is applied",
        ),
        "monthly_savings": Key("money", "0.00", "fixed monthly savings taken before the rest"),
        "savings_product": Key("str", "SAV", "product whose account takes the remainder"),
        "shares_product": Key("str", "SHR", "product whose account takes the fixed savings"),
    },
    "loans": {
        "committee_size": Key("int", 2, "distinct approvals a loan application needs"),
        "classification_days": Key(
            "list[int]", [0, 30, 60, 90], "upper day bounds: performing, watch, sub, doubtful"
        ),
        "provision_percent": Key(
            "list[str]", ["1", "5", "20", "50", "100"], "provision % per class (CBN default)"
        ),
        "move_off_holidays": Key("bool", False, "move due dates off weekends and NG holidays"),
        "restructure_watch_days": Key("int", 90, "watch period after a reschedule"),
    },
    "reports": {
        "templates_dir": Key("str", "", "override folder for report templates (default: shipped)"),
        "budget_alert_percent": Key("percent", "10", "variance % that raises a budget alert"),
    },
    "jobs": {
        "catalogue": Key("str", "", "override job catalogue file (default: shipped jobs/)"),
        "max_retries": Key("int", 3, "retries before a failed run is left for an operator"),
        "chunk_size": Key("int", 2000, "items per transaction in bulk steps (interest)"),
        "chunk_pause_ms": Key("int", 0, "pause between chunks, to go easy on a shared database"),
        "max_catch_up_days": Key(
            "int", 62, "most missed business dates one run catches up (more: exit 5)"
        ),
        "close_periods": Key("bool", True, "month_end closes the month when verify is clean"),
        "pack_recipients": Key("list[str]", [], "e-mail addresses that receive the report pack"),
        "staff_recipients": Key(
            "list[str]", [], "e-mail addresses told of job failures and verify problems"
        ),
        "metrics_file": Key(
            "str", "", "Prometheus textfile (default <data dir>/metrics/coopctl.prom)"
        ),
    },
    "notify": {
        "smtp_host": Key("str", "", "SMTP server; empty disables e-mail"),
        "smtp_port": Key("int", 587, "SMTP port"),
        "smtp_user": Key("str", "", "SMTP user"),
        "smtp_password_env": Key("str", "COOPCTL_SMTP_PASSWORD", "env var holding the password"),
        "sender": Key("str", "", "From: address"),
        "smtp_tls": Key("str", "starttls", "starttls, implicit (SMTPS, port 465) or none"),
        "smtp_timeout_seconds": Key("int", 30, "SMTP connect/send timeout"),
        "max_per_run": Key("int", 500, "most messages one dispatch sends (bounce-safe cap)"),
        "max_attempts": Key("int", 5, "send attempts before a message is marked failed"),
        "templates_dir": Key("str", "", "folder whose templates override the shipped ones"),
        "due_days": Key("int", 3, "remind members this many days before a repayment is due"),
        "sms_command": Key(
            "str", "", "SMS hook: command run with the number and text as arguments"
        ),
        "sms_url": Key("str", "", "SMS hook: URL that receives a JSON POST {to, text}"),
    },
    # --- security+hardening (issue 9) (add this context's sections here; keep the marker line)
    #
    # --- approvals (issue 10) (add this context's sections here; keep the marker line)
    #
    # --- jobs+notify (issue 11) (add this context's sections here; keep the marker line)
    "daemon": {
        "heartbeat_seconds": Key("int", 30, "how often the daemon writes its heartbeat row"),
        "misfire_grace_seconds": Key(
            "int", 3600, "a run that fires this late still runs (later: the next catch-up does)"
        ),
        "lock_poll_seconds": Key("int", 15, "how often a standby daemon tries to take over"),
    },
    # --- backup (issue 12) (add this context's sections here; keep the marker line)
    "backup": {
        "dir": Key("str", "", "folder for backups (default <data dir>/backups)"),
        "encrypt": Key("bool", True, "nightly job: encrypt backups (needs a backup key)"),
        "key_file": Key(
            "str", "", "backup key file: base64 of 32 bytes, distinct from the field key"
        ),
        "passphrase_env": Key(
            "str", "COOPCTL_BACKUP_PASSPHRASE", "env var with a backup passphrase (scrypt)"
        ),
        "pg_bin_dir": Key("str", "", "folder of pg_dump/pg_restore (default: found on PATH)"),
        "scratch_url": Key(
            "str", "", "PostgreSQL server for scratch databases (default: the database's own)"
        ),
        "staging_dir": Key("str", "", "temporary folder for verify/restore (default: TMPDIR)"),
        "keep_daily": Key("int", 7, "retention: newest backup of each of the last N days"),
        "keep_weekly": Key("int", 4, "retention: newest backup of each of the last N weeks"),
        "keep_monthly": Key("int", 12, "retention: newest backup of each of the last N months"),
        "copy_to": Key("str", "", "second location: a folder (another disk or a mount)"),
        "copy_command": Key(
            "str", "", "second location: a command with {file}, e.g. rclone copy {file} s3:coop"
        ),
        "max_age_hours": Key(
            "int", 26, "doctor fails when the newest verified backup is older (0 = off)"
        ),
    },
    #
    # --- recon (issue 13) (add this context's sections here; keep the marker line)
    "recon": {
        "auto_score": Key("int", 85, "matcher score (0-100) from which a bank line is matched"),
        "suggest_score": Key("int", 60, "score from which a match is proposed for review"),
        "window_days": Key("int", 7, "days either side of a bank line searched for ledger lines"),
        "max_group": Key("int", 4, "most ledger (or bank) lines one match may group by sum"),
        "profiles_dir": Key("str", "", "folder of extra CSV/XLSX rules profiles (NAME.toml)"),
    },
    #
    # --- payments (issue 14) (add this context's sections here; keep the marker line)
    "payments": {
        "enabled": Key("bool", False, "take gateway payments (doctor then checks the secrets)"),
        "paystack_secret_key": Key(
            "str", "", "Paystack secret key; $COOPCTL_PAYSTACK_SECRET_KEY wins (never logged)"
        ),
        "flutterwave_secret_hash": Key(
            "str",
            "",
            "Flutterwave webhook secret hash; $COOPCTL_FLUTTERWAVE_SECRET_HASH wins",
        ),
        "flutterwave_secret_key": Key(
            "str", "", "Flutterwave API secret key; $COOPCTL_FLUTTERWAVE_SECRET_KEY wins"
        ),
        "paystack_base_url": Key("str", "https://api.paystack.co", "Paystack API base URL"),
        "flutterwave_base_url": Key(
            "str", "https://api.flutterwave.com/v3", "Flutterwave API base URL"
        ),
        "callback_url": Key("str", "", "where the checkout page sends the member afterwards"),
        "http_timeout_seconds": Key("int", 15, "provider API calls: time-out of one attempt"),
        "http_retries": Key("int", 3, "provider API calls: attempts on network errors and 5xx"),
        "max_body_bytes": Key("int", 65536, "receiver: largest request body (larger: 413)"),
        "body_timeout_seconds": Key(
            "int", 10, "receiver: a body not received within this time gets 408"
        ),
        "header_timeout_seconds": Key(
            "int", 10, "receiver: idle connection / slow headers closed after this time"
        ),
        "rate_limit_per_minute": Key(
            "int", 120, "receiver: requests per minute from one source address (more: 429)"
        ),
        "reference_rules": Key(
            "list[str]",
            [],
            "regular expressions on the payment reference with a named group account_no, "
            "member_no or loan_no, e.g. '^SAV-(?P<account_no>A\\d+)-'",
        ),
    },
    "approvals.payment_assignment": _approval(
        None, "assignments of gateway payments out of suspense", roles=("admin", "accountant")
    ),
    #
    # --- member products (issue 15) (add this context's sections here; keep the marker line)
    #
    # --- scale (issue 16) (add this context's sections here; keep the marker line)
    #
    # --- golive (issue 17) (add this context's sections here; keep the marker line)
    "golive": {
        "opening_gl": Key("str", "3900", "opening-balance equity account (made at first import)"),
        "max_file_mb": Key("int", 64, "largest go-live template file accepted (MiB)"),
    },
}

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
