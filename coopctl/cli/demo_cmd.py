"""``coopctl demo``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from coopctl.cli.common import FormatOpt, emit, message, new_app

app = new_app("A simulated cooperative, end to end.")


@app.command("demo")
def demo(
    folder: Annotated[Path, typer.Option("--dir", help="Folder for the demo cooperative.")] = Path(
        "coop-demo"
    ),
    members: Annotated[
        int, typer.Option("--members", help="How many members.", min=3, max=5000)
    ] = 30,
    months: Annotated[int, typer.Option("--months", help="Months of history.", min=1, max=36)] = 6,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same books).")] = 7,
    from_golive: Annotated[
        bool, typer.Option("--from-golive", help="Start from go-live spreadsheets, not empty.")
    ] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Build a simulated cooperative in a fresh folder and run it end to end.

    Members join and pass KYC, save, withdraw, are paid through payroll
    check-off, borrow with guarantors and committee approval, repay (some
    late); nightly penalties and provisioning run, months close, and the books
    are verified and a month-end report pack is written.

    Example:

        coopctl demo --dir /tmp/coop-demo --members 30 --months 6
    """
    from coopctl.core.errors import ReviewNeededError
    from coopctl.demo import run_demo

    result = run_demo(
        folder.resolve(),
        members=members,
        months=months,
        seed=seed,
        progress=message,
        from_golive=from_golive,
    )
    summary = {
        "folder": str(result.folder),
        "database": result.database,
        "members": result.members,
        "months": result.months,
        "loans": result.loans,
        "entries": result.entries,
        "commands_run": result.commands,
        "total_debit": result.trial_balance["total_debit"],
        "total_credit": result.trial_balance["total_credit"],
        "ledger_verify_ok": result.verify_ok,
        "report_pdf": result.pack.get("pdf"),
        "report_xlsx": result.pack.get("xlsx"),
    }
    emit(summary, fmt)
    message(
        f"explore it: cd {result.folder} && "
        "COOPCTL_OPERATOR=demo-admin coopctl ledger trial-balance"
    )
    if not result.verify_ok:
        raise ReviewNeededError("the demo's books did not verify")
