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
        int,
        typer.Option(
            "--members", help="How many members (up to 5,000; 1,000,000 with --bulk).", min=3
        ),
    ] = 30,
    months: Annotated[int, typer.Option("--months", help="Months of history.", min=1, max=36)] = 6,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same books).")] = 7,
    from_golive: Annotated[
        bool, typer.Option("--from-golive", help="Start from go-live spreadsheets, not empty.")
    ] = False,
    bulk: Annotated[
        bool,
        typer.Option(
            "--bulk",
            help="A large cooperative through the bulk services: go-live, payroll "
            "check-off, interest, closes (no per-member commands).",
        ),
    ] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Build a simulated cooperative in a fresh folder and run it end to end.

    Members join and pass KYC, save, withdraw, are paid through payroll
    check-off, borrow with guarantors and committee approval, repay (some
    late); nightly penalties and provisioning run, months close, and the books
    are verified and a month-end report pack is written.

    With --bulk the cooperative is built the way a large one fills its books:
    members, accounts and loans in progress arrive through go-live, then every
    month one payroll check-off file, savings interest and provisioning run in
    bulk and the month closes. With the root --db it builds into that (empty)
    database instead of DIR/coop.db.

    Example:

        coopctl demo --dir /tmp/coop-demo --members 30 --months 6

        coopctl demo --dir /tmp/big --members 200000 --months 12 --bulk
    """
    from coopctl.cli.common import state
    from coopctl.core.errors import ReviewNeededError, ValidationError
    from coopctl.demo import run_demo

    limit = 1_000_000 if bulk else 5000
    if members > limit:
        raise ValidationError(f"--members: {members} is more than {limit:,}")
    if bulk and from_golive:
        raise ValidationError("--bulk already starts from go-live; leave out --from-golive")
    if bulk:
        from coopctl.demo_bulk import run_bulk_demo

        result = run_bulk_demo(
            folder.resolve(),
            members=members,
            months=months,
            seed=seed,
            db_url=state().db,
            progress=message,
        )
    else:
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
    if bulk:
        summary["timings_s"] = result.pack.get("timings", {})
    emit(summary, fmt)
    message(
        f"explore it: cd {result.folder} && "
        "COOPCTL_OPERATOR=demo-admin coopctl ledger trial-balance"
    )
    if not result.verify_ok:
        raise ReviewNeededError("the demo's books did not verify")
