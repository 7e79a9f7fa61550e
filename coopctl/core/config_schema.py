"""The settings schema: every section and key, its type, default and documentation.

The single source of truth for validation, defaults, the environment overrides and
``config.example.toml`` (:mod:`coopctl.core.config`). Each context adds its sections
below its marker comment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
        # scale (issue 16): reports, statements, aging and exports read the replica
        "read_url": Key(
            "str",
            "",
            "read replica URL (a PostgreSQL streaming standby) for reports; writes use url",
        ),
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
        "retention_years": Key(
            "int",
            6,
            "years after exit before a member's personal data may be erased (NDPA 2023; "
            "`members erase`)",
        ),
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
        "dormant_after_months": Key(
            "int",
            12,
            "months without member-initiated activity before a savings account turns dormant "
            "(0 = never; a product's own value wins)",
        ),
        "dormant_interest": Key(
            "str", "none", "dormant accounts: earn or none (a product's own value wins)"
        ),
        "unclaimed_after_years": Key(
            "int", 6, "years dormant after which a balance is reported as unclaimed"
        ),
        "dormancy_activity_kinds": Key(
            "list[str]",
            [
                "deposit",
                "withdrawal",
                "transfer",
                "checkoff",
                "gateway_payment",
                "loan_disbursement",
                "loan_repayment",
                "standing_order",
                "opening_balance",
            ],
            "entry kinds that count as the member's own activity (not interest or charges); "
            "opening_balance: go-live balances restart the idle time",
        ),
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
    # --- fixed deposits (issue 15) (add this context's sections here; keep the marker line)
    #
    "fixed_deposits": {
        "wht_percent": Key(
            "percent", "10", "withholding tax on fixed-deposit interest, taken at maturity"
        ),
        "early_withdrawal_rate": Key(
            "percent",
            "0",
            "annual rate earned by a deposit withdrawn before maturity (0 = no interest)",
        ),
        "payout_product": Key(
            "str", "SAV", "savings product whose account receives payouts by default"
        ),
    },
    # --- standing orders (issue 15) (add this context's sections here; keep the marker line)
    "standing_orders": {
        "retry_days": Key(
            "int",
            3,
            "an order short of funds is tried again on each of this many days after its due "
            "date, then given up (0 = one attempt only)",
        ),
        "notify_member": Key(
            "bool",
            True,
            "queue a notice to the member when an order is paid in part or given up",
        ),
    },
    #
    # --- dividends (issue 15) (add this context's sections here; keep the marker line)
    "dividends": {
        "reserve_percent": Key(
            "percent",
            "25",
            "share of the year's surplus appropriated to the statutory reserve before any "
            "dividend; set by each cooperative's law and by-laws (many state laws: 25%)",
        ),
        "wht_percent": Key(
            "percent", "10", "withholding tax on dividends (Nigeria: 10%); rebates bear none"
        ),
        "default_pay_to": Key(
            "str",
            "savings",
            "where a member's dividend goes without a preference: savings, shares or payable",
        ),
    },
    #
    # --- dormancy+erasure (issue 15) (add this context's sections here; keep the marker line)
    "approvals.account_reactivation": _approval(
        None, "reactivations of dormant accounts", roles=("manager", "admin")
    ),
    "approvals.member_erasure": _approval(
        None, "erasures of members' personal data (retention)", roles=("manager", "admin")
    ),
    #
    # --- documents+agreements (issue 15) (add this context's sections here; keep the marker line)
    "documents": {
        "max_document_bytes": Key(
            "int",
            25_000_000,
            "largest loan, entry or general document accepted (member documents: [members])",
        ),
        "allowed_document_types": Key(
            "list[str]",
            ["application/pdf", "image/jpeg", "image/png"],
            "sniffed MIME types accepted for loan, entry and general documents",
        ),
    },
    "loans.agreement": {
        "template": Key(
            "str",
            "loan_agreement.html.j2",
            "template of `loans agreement` in <[reports] templates_dir>/templates/ "
            "(else the shipped one)",
        ),
        "signatory_title": Key("str", "Secretary", "who signs the offer for the cooperative"),
    },
    #
    # --- scale (issue 16) (add this context's sections here; keep the marker line)
    #
    # --- golive (issue 17) (add this context's sections here; keep the marker line)
    "golive": {
        "opening_gl": Key("str", "3900", "opening-balance equity account (made at first import)"),
        "max_file_mb": Key("int", 64, "largest go-live template file accepted (MiB)"),
    },
}
