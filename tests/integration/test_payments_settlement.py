"""Settlements: the gateway pays a batch into the bank, net of its fees. When the bank
line arrives in an imported statement, it is matched with the payments it covers, the
fee is booked on 5600 and gateway clearing (1130) is back at zero for the batch."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Coop
from tests.integration.payments_support import (
    balance,
    member_account,
    paystack_charge,
    post_paystack,
    receiver,
)


def test_done_when_settlement_line_matches_books_fee_and_empties_clearing(
    coop: Coop, tmp_path: Path
) -> None:
    """Two charges: 10,000.00 to Adaeze's savings and 5,000.00 to Bola's. Paystack
    settles batch SET-0310 with fees of 150.00 and 75.00: 14,775.00 reaches GTBank.
    Booking: Dr GTBank 14,775.00, Dr bank charges 225.00, Cr clearing 15,000.00."""
    a = member_account(coop, "Adaeze", "08031234821")
    b = member_account(coop, "Bola", "08031234822")
    with receiver(coop) as (base, _):
        post_paystack(base, paystack_charge("PSK-A", 1_000_000, {"account_no": a}, tx_id=1))
        post_paystack(base, paystack_charge("PSK-B", 500_000, {"account_no": b}, tx_id=2))
    assert coop.ok("payments", "process")["applied"] == 2
    day = coop.today
    settlement = tmp_path / "settlement.csv"
    settlement.write_text(
        "settlement_ref,settled_on,reference,amount,fee\n"
        f"SET-0310,{day},PSK-A,10000.00,150.00\n"
        f"SET-0310,{day},PSK-B,5000.00,75.00\n"
    )
    out = coop.ok("payments", "import", settlement, "--provider", "paystack")
    assert (out["kind"], out["imported"]) == ("settlement", 1)
    again = coop.ok("payments", "import", settlement, "--provider", "paystack")
    assert (again["imported"], again["duplicates"]) == (0, 1)
    rep = coop.ok("payments", "report", "--from", day, "--to", day)
    assert rep["outstanding_in_clearing"] == "15000.00"

    coop.ok("recon", "banks", "add", "GTB", "--gl", "1121", "--name", "GTBank current")
    statement = tmp_path / "gtb.csv"
    statement.write_text(
        "date,description,reference,amount\n"
        f"{day},PAYSTACK SETTLEMENT SET-0310,SET-0310,14775.00\n"
        f"{day},SMS ALERT CHARGES,,-52.50\n"
    )
    coop.ok("recon", "import", statement, "--bank", "GTB")
    done = coop.ok("payments", "process")
    assert done["settled"] == 1
    rep = coop.ok("payments", "report", "--from", day, "--to", day)
    assert (rep["settled"], rep["fees"], rep["outstanding_in_clearing"]) == (
        "15000.00",
        "225.00",
        "0.00",
    )
    lines = coop.ok("recon", "list", "--bank", "GTB")
    settled = next(x for x in lines if x["reference"] == "SET-0310")
    assert settled["status"] == "matched"
    assert (balance(coop, a), balance(coop, b)) == ("10000.00", "5000.00")
    assert coop.ok("payments", "process")["settled"] == 0  # nothing the second time


def test_settlement_file_errors_name_line_and_write_nothing(coop: Coop, tmp_path: Path) -> None:
    bad = tmp_path / "s.csv"
    bad.write_text(
        "settlement_ref,settled_on,reference,amount,fee\n"
        "SET-1,2026-13-01,PSK-X,10.00,0\n"
        "SET-1,2026-03-01,PSK-Y,abc,0\n"
        "SET-2,2026-03-01,PSK-NONE,10.00,0\n"
    )
    r = coop.cli("payments", "import", bad, "--provider", "paystack")
    assert r.exit_code == 2, r.stderr
    assert "s.csv:2:settled_on" in r.stderr and "s.csv:3:amount" in r.stderr
    assert "s.csv:4:reference" in r.stderr
    assert coop.ok("payments", "report")["settled"] == "0.00"


def test_transaction_export_fills_gaps_deduplicated_with_webhooks(
    coop: Coop, tmp_path: Path
) -> None:
    """The export holds the charge a webhook already delivered and one it missed: only
    the missed one is credited."""
    acct = member_account(coop)
    with receiver(coop) as (base, _):
        post_paystack(base, paystack_charge("PSK-W", 300_000, {"account_no": acct}, tx_id=5))
    coop.ok("payments", "process")
    export = tmp_path / "tx.csv"
    export.write_text(
        "reference,amount,currency,status,paid_at,account_no\n"
        f"PSK-W,3000.00,NGN,success,2026-03-10,{acct}\n"
        f"PSK-M,1250.00,NGN,success,2026-03-10,{acct}\n"
    )
    out = coop.ok("payments", "import", export, "--provider", "paystack")
    assert (out["kind"], out["imported"]) == ("transactions", 2)
    res = coop.ok("payments", "process")
    assert (res["applied"], res["duplicate"]) == (1, 1)
    assert balance(coop, acct) == "4250.00"
    assert coop.ok("payments", "import", export, "--provider", "paystack")["duplicates"] == 2


def test_hostile_export_text_prints_plain_and_devices_are_refused(
    coop: Coop, tmp_path: Path
) -> None:
    """Markup and control characters in an export's reference are stored clean and
    printed as plain text; a device instead of a file is refused before reading."""
    export = tmp_path / "tx.csv"
    export.write_text(
        "reference,amount,currency,status,paid_at\n"
        "[/bold][red]PSK-H\x07,10.00,NGN,success,2026-03-10\n"
    )
    assert coop.ok("payments", "import", export, "--provider", "paystack")["imported"] == 1
    assert coop.ok("payments", "process")["suspense"] == 1
    r = coop.cli("payments", "list", "--review")
    assert r.exit_code == 0 and "[/bold][red]PSK-H" in r.stdout and "\x07" not in r.stdout
    r = coop.cli("payments", "import", "/dev/zero", "--provider", "paystack")
    assert r.exit_code == 2, r.stderr
    wide = tmp_path / "wide.csv"
    wide.write_text("reference,amount,currency,status,paid_at\nA,1.00,NGN,success,2026-03-10,x\n")
    r = coop.cli("payments", "import", wide, "--provider", "paystack")
    assert r.exit_code == 2 and "wide.csv:2" in r.stderr
