"""Message templates (Jinja2, plain text): the shipped defaults, overridable by
``<[notify] templates_dir>/<name>.txt``. A template's first line is
``Subject: …``; the rest (after one blank line) is the body. Operator-edited
templates render in Jinja2's sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from coopctl.core.errors import ConfigError

DEFAULTS: dict[str, str] = {
    "repayment_due": """Subject: Loan {{ loan_no }}: {{ amount }} due on {{ due_date }}

Dear {{ first_name }},

Installment {{ installment_no }} of your loan {{ loan_no }}, {{ amount }},
falls due on {{ due_date }}.
Please make sure the money is in your account or pay at the office.

{{ coop_name }}
""",
    "installment_overdue": """Subject: Loan {{ loan_no }}: \
installment {{ installment_no }} is overdue

Dear {{ first_name }},

Installment {{ installment_no }} of your loan {{ loan_no }}, due on {{ due_date }}, is unpaid:
{{ amount }} is now overdue. Please pay as soon as you can to avoid penalties.

{{ coop_name }}
""",
    "loan_approved": """Subject: Loan {{ loan_no }} approved

Dear {{ first_name }},

Your loan {{ loan_no }} of {{ amount }} has been approved.

{{ coop_name }}
""",
    "loan_disbursed": """Subject: Loan {{ loan_no }} disbursed

Dear {{ first_name }},

{{ amount }} of your loan {{ loan_no }} was paid out on {{ date }}.

{{ coop_name }}
""",
    "deposit_receipt": """Subject: Receipt: {{ amount }} into {{ account_no }}

Dear {{ first_name }},

We received {{ amount }} into account {{ account_no }} on {{ date }} (entry {{ entry_no }}).

{{ coop_name }}
""",
    "monthly_statement": """Subject: Your statement for {{ month }}

Dear {{ first_name }},

Your statement for {{ month }} is attached.

{{ coop_name }}
""",
    "standing_order_partial": """Subject: Standing order {{ order_id }}: \
{{ paid }} of {{ wanted }} paid

Dear {{ first_name }},

Your standing order {{ order_id }} from account {{ from_account }} to {{ destination }},
due on {{ due_date }}, asked for {{ wanted }}. Only {{ paid }} was available and was paid
on {{ date }}; the rest will not be collected for this due date.

{{ coop_name }}
""",
    "standing_order_failed": """Subject: Standing order {{ order_id }} not paid for {{ due_date }}

Dear {{ first_name }},

Your standing order {{ order_id }} of {{ wanted }} from account {{ from_account }} to
{{ destination }}, due on {{ due_date }}, could not be paid after {{ attempts }} attempt(s):
{{ reason }}
Nothing was taken for this due date. The next one will be tried as usual.

{{ coop_name }}
""",
    "approval_waiting": """Subject: Approval waiting: {{ kind }} {{ subject }}

{{ kind }} {{ subject }} ({{ amount }}) entered by {{ maker }} waits for your approval.
""",
    "job_failure": """Subject: coopctl job {{ job }} {{ status }} for {{ business_date }}

The job {{ job }} for business date {{ business_date }} ended {{ status }} (run {{ run_id }}).
{{ error }}

See: coopctl jobs show {{ run_id }}    Retry: coopctl jobs retry {{ run_id }}
""",
    "verify_failed": """Subject: coopctl verify found problems on {{ business_date }}

The nightly checks found:
{% for p in problems %}- {{ p }}
{% endfor %}
Nothing was closed. Investigate with `coopctl ledger verify` and `coopctl audit verify`.
""",
    "budget_alerts": """Subject: Budget variance alerts for {{ business_date }}

{% for a in alerts %}- {{ a.gl_code }} {{ a.name }}: actual {{ a.actual }} vs budget {{ a.budget }}
{% endfor %}
""",
    "report_pack": """Subject: Month-end report pack {{ month }}

The month-end report pack for {{ month }} is attached.
""",
    "test": """Subject: coopctl test message

This is a test message from coopctl ({{ coop_name }}). If you can read it, e-mail works.
""",
}


def render(name: str, context: dict[str, Any], templates_dir: str = "") -> tuple[str, str]:
    """(subject, body) of template ``name`` rendered with ``context``."""
    from jinja2 import StrictUndefined, TemplateError
    from jinja2.sandbox import SandboxedEnvironment

    source = DEFAULTS.get(name)
    where = f"built-in template {name!r}"
    if templates_dir:
        path = Path(templates_dir) / f"{name}.txt"
        if path.is_file():
            source = path.read_text(encoding="utf-8")
            where = str(path)
    if source is None:
        raise ConfigError(f"no notification template named {name!r}")
    head, _, body_src = source.partition("\n")
    if not head.startswith("Subject:"):
        raise ConfigError(f"{where}: the first line must be 'Subject: …'")
    env = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True)
    try:
        subject = env.from_string(head.removeprefix("Subject:")).render(**context)
        body = env.from_string(body_src).render(**context)
    except TemplateError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    subject = " ".join(subject.split())  # one line: no header injection
    return subject[:200], body.lstrip("\n")
