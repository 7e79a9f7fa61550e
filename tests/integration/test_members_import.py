"""``members import``: all-or-nothing, every bad line reported as file:line:field."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Coop

HEADER = "first_name,last_name,phone,email,dob,bvn,nin,joined,employer,staff_no"


def count(coop: Coop, table: str) -> int:
    return int(coop.sql(f"SELECT COUNT(*) FROM {table}")[0][0])


def snapshot(coop: Coop) -> tuple[int, int, list[tuple[str, int]]]:
    counters = [tuple(r) for r in coop.sql("SELECT name, value FROM counters ORDER BY name")]
    return count(coop, "members"), count(coop, "audit_log"), counters  # type: ignore[return-value]


def good_rows(n: int, start: int = 0) -> list[str]:
    rows = []
    for i in range(start, start + n):
        rows.append(
            f"Member{chr(65 + i % 26)}{chr(65 + i // 26)},Okonkwo,0803{2000000 + i:07d},"
            f"m{i}@coop.ng,1980-01-{1 + i % 28:02d},{30000000000 + i},{40000000000 + i},"
            f"2026-0{1 + i % 9}-01,Acme Plc,AC-{i:04d}"
        )
    return rows


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_every_bad_line_is_reported_and_nothing_is_imported(coop: Coop, tmp_path: Path) -> None:
    coop.ok(
        "members",
        "add",
        "--first-name",
        "Existing",
        "--last-name",
        "Member",
        "--phone",
        "08039990000",
        "--bvn",
        "22212345678",
        "--employer",
        "Acme Plc",
        "--staff-no",
        "AC-9",
        operator="teller1",
    )
    f = write(
        tmp_path / "new.csv",
        HEADER,
        "Bola,Ade,08031112222,bola@x.ng,1985-01-01,22200000001,,2026-01-05,NNPC,S1",  # line 2 ok
        ",Eze,12345,x@,2030-01-01,1234,1234567890a,2027-01-01,NNPC,S2",  # line 3: 7 problems
        "Chi,Obi,08031113333,,2015-01-01,22200000001,,,NNPC,S1",  # 4: under age, dup bvn + staff
        "Dan,Uche,08031114444,,,22212345678,,,Acme Plc,AC-9",  # 5: bvn + staff_no in database
        "",  # blank lines are skipped
        "Eve,Ma,0803",  # line 7: short row
        "Femi,Ojo,08031115555,,,,,,,",  # line 8 ok
    )
    before = snapshot(coop)
    r = coop.cli("members", "import", f, operator="teller1")
    assert r.exit_code == 2
    name = str(f)
    expected = [
        f"{name}:3:first_name: must not be empty",
        f"{name}:3:phone: '12345' is not a valid NG phone number",
        f"{name}:3:email: 'x@' is not an e-mail address",
        f"{name}:3:bvn: a BVN is exactly 11 digits; got 4 digit(s)",
        f"{name}:3:nin: a NIN is exactly 11 digits; got 10 digit(s) and 1 other character(s)",
        f"{name}:3:joined: 2027-01-01 is after the business date 2026-11-28",
        f"{name}:3:dob: 2030-01-01 is in the future",
        f"{name}:4:dob: member is 11 on the join date 2026-11-28; the minimum age is 18",
        f"{name}:4:bvn: same BVN as line 2",
        f"{name}:4:staff_no: same staff number at this employer as line 2",
        f"{name}:5:bvn: BVN already registered to member M00000013 (pending_kyc)",
        f"{name}:5:staff_no: staff number AC-9 at this employer is already member M00000013",
        f"{name}:7:row: expected 10 fields, got 3",
    ]
    for line in expected:
        assert line in r.stderr, f"missing: {line}\n{r.stderr}"
    assert f"{name}: 13 problem(s); nothing imported" in r.stderr
    assert f"{name}:2:" not in r.stderr and f"{name}:8:" not in r.stderr
    assert snapshot(coop) == before
    assert count(coop, "member_imports") == 0


def test_header_problems_are_reported(coop: Coop, tmp_path: Path) -> None:
    f = write(tmp_path / "h.csv", "first_name,surname,phone,phone", "A,B,08031112222,x")
    r = coop.cli("members", "import", f, operator="teller1")
    assert r.exit_code == 2
    assert f"{f}:1:header: unknown column 'surname'" in r.stderr
    assert f"{f}:1:header: column 'phone' appears twice" in r.stderr
    assert f"{f}:1:header: required column 'last_name' is missing" in r.stderr
    empty = write(tmp_path / "e.csv", HEADER)
    r = coop.cli("members", "import", empty, operator="teller1")
    assert r.exit_code == 2 and "no members in the file" in r.stderr
    latin1 = tmp_path / "l.csv"
    latin1.write_bytes((HEADER + "\nJos\xe9,Ade,08031112222,,,,,,,\n").encode("latin-1"))
    r = coop.cli("members", "import", latin1, operator="teller1")
    assert r.exit_code == 2 and f"{latin1}:2:file: not UTF-8 text" in r.stderr
    assert coop.cli("members", "import", tmp_path / "missing.csv").exit_code == 3
    assert count(coop, "members") == 0


def test_a_good_import_of_fifty_members(coop: Coop, tmp_path: Path) -> None:
    f = write(tmp_path / "fifty.csv", HEADER, *good_rows(50))
    dry = coop.ok("members", "import", f, "--dry-run", operator="teller1")
    assert (dry["rows"], dry["imported"], dry["dry_run"]) == (50, 0, True)
    assert count(coop, "members") == 0

    res = coop.ok("members", "import", f, operator="teller1")
    assert (res["rows"], res["imported"]) == (50, 50)
    assert (res["first_member_no"], res["last_member_no"]) == ("M00000013", "M00000502")
    members = coop.ok("members", "list")
    assert len(members) == 50
    assert [m["status"] for m in members] == ["pending_kyc"] * 50
    assert coop.sql("SELECT value FROM counters WHERE name = 'member'") == [(50,)]
    # numbers are consecutive and carry check digits; PII is readable and searchable
    from coopctl.core.ids import make

    assert [m["member_no"] for m in members] == [make("M", i) for i in range(1, 51)]
    shown = coop.ok("members", "show", members[7]["member_no"], "--reveal", operator="manager1")
    assert (shown["phone"], shown["bvn"], shown["nin"], shown["dob"]) == (
        "+2348032000007",
        "30000000007",
        "40000000007",
        "1980-01-08",
    )
    assert shown["joined"] == "2026-08-01" and shown["staff_no"] == "AC-0007"
    found = coop.ok("members", "list", "--bvn", "30000000042")
    assert [m["member_no"] for m in found] == [members[42]["member_no"]]
    # each member has its own member.add record (who added whom, when); the KYC
    # approvals are audited once for the batch (first..last action), then the import
    audit = coop.sql(
        "SELECT action, entity_id, after FROM audit_log WHERE action IN "
        "('member.add_many', 'approval.submitted_many', 'member.import', 'member.add',"
        " 'approval.submitted') ORDER BY id"
    )
    assert [a[0] for a in audit] == ["member.add"] * 50 + [
        "approval.submitted_many",
        "member.import",
    ]
    assert [a[1] for a in audit[:50]] == [m["member_no"] for m in members]
    assert '"first_name"' in audit[0][2] and "30000000" not in audit[0][2]  # no BVN
    assert '"actions": 50' in audit[50][2] and '"kind": "kyc"' in audit[50][2]
    kyc = coop.sql("SELECT subject, maker, state FROM pending_actions WHERE kind = 'kyc'")
    assert sorted(kyc) == sorted((m["member_no"], "teller1", "pending") for m in members)

    # the same file again changes nothing, and says so
    again = coop.cli("members", "import", f, "--format", "json", operator="teller1").ok()
    assert again.json["already_imported"] is True and again.json["imported"] == 0
    assert "already imported" in again.stderr
    assert count(coop, "members") == 50

    # a different file with one member already imported is refused as a whole
    g = write(tmp_path / "more.csv", HEADER, *good_rows(2, start=49))
    r = coop.cli("members", "import", g, operator="teller1")
    assert r.exit_code == 2 and f"{g}:2:bvn: BVN already registered" in r.stderr
    assert count(coop, "members") == 50
    assert coop.ok("ledger", "verify")["ok"] is True


def test_columns_may_come_in_any_order_and_optional_ones_may_be_left_out(
    coop: Coop, tmp_path: Path
) -> None:
    f = write(
        tmp_path / "short.csv",
        "phone,last_name,first_name,address",
        '0803 111 2222,Ade,Bola,"12 Marina, Lagos"',
    )
    coop.ok("members", "import", f, operator="teller1")
    m = coop.ok("members", "show", "M00000013")
    assert (m["first_name"], m["last_name"], m["address"], m["bvn"]) == (
        "Bola",
        "Ade",
        "12 Marina, Lagos",
        None,
    )


def test_import_needs_members_manage(coop: Coop, tmp_path: Path) -> None:
    f = write(tmp_path / "x.csv", HEADER, *good_rows(1))
    r = coop.cli("members", "import", f, operator="auditor1")
    assert r.exit_code == 4
    assert count(coop, "members") == 0
