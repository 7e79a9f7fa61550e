"""Members and KYC on both databases: the worked example, duplicates, status
transitions, maker-checker, permissions, search."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from coopctl.core.errors import InvalidStateError, PermissionDeniedError
from coopctl.members import service
from coopctl.members.errors import KycRequiredError, MemberInactiveError
from tests.conftest import Coop

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 64 + b"\xff\xd9"


def count(coop: Coop, table: str) -> int:
    return int(coop.sql(f"SELECT COUNT(*) FROM {table}")[0][0])


def add(coop: Coop, *extra: str, operator: str = "teller1", **fields: str) -> dict[str, Any]:
    base = {"first-name": "Adaeze", "last-name": "Okafor", "phone": "08031234821"}
    base.update({k.replace("_", "-"): v for k, v in fields.items()})
    args = [x for k, v in base.items() for x in (f"--{k}", v)]
    return coop.ok("members", "add", *args, *extra, operator=operator)  # type: ignore[no-any-return]


def upload_kyc_documents(coop: Coop, tmp: Path, member_no: str, operator: str = "teller1") -> None:
    (tmp / "id-card.pdf").write_bytes(PDF + member_no.encode())
    (tmp / "photo.jpg").write_bytes(JPEG + member_no.encode())
    coop.ok(
        "members",
        "docs",
        "add",
        member_no,
        tmp / "id-card.pdf",
        "--kind",
        "id_card",
        operator=operator,
    )
    coop.ok(
        "members",
        "docs",
        "add",
        member_no,
        tmp / "photo.jpg",
        "--kind",
        "passport_photo",
        operator=operator,
    )


def audit_actions(coop: Coop, member_no: str) -> list[tuple[str, str]]:
    rows = coop.sql(
        "SELECT action, operator FROM audit_log WHERE entity = 'member' AND entity_id = :e "
        "ORDER BY id",
        e=member_no,
    )
    return [(r[0], r[1]) for r in rows]


# --- the worked example ----------------------------------------------------------
def test_member_joins_uploads_documents_and_a_manager_approves_kyc(
    coop: Coop, tmp_path: Path
) -> None:
    """Teller1 registers Adaeze Okafor and scans her ID card and photo. Teller1 may not
    approve her KYC; manager1 does, and she becomes an active member."""
    m = add(
        coop,
        bvn="22212345678",
        nin="70012345678",
        dob="1990-02-03",
        email="adaeze@example.com",
        joined="2026-11-02",
    )
    assert m == {
        **m,
        "member_no": "M00000013",  # first number of the "member" sequence, Damm check digit 3
        "first_name": "Adaeze",
        "last_name": "Okafor",
        "status": "pending_kyc",
        "kyc_status": "pending",
        "phone": "+234******4821",
        "bvn": "*******5678",
        "nin": "*******5678",
        "email": "adaeze@example.com",
        "joined": "2026-11-02",
    }
    no = m["member_no"]
    # until KYC is approved she cannot withdraw or borrow
    with coop.uow("teller1") as u, pytest.raises(KycRequiredError):
        service.require_kyc(service.get_member(u, no))

    upload_kyc_documents(coop, tmp_path, no)
    shown = coop.ok("members", "show", no)
    assert shown["documents"] == ["id_card", "passport_photo"]
    assert shown["missing_documents"] == []

    r = coop.cli("members", "kyc", "approve", no, operator="teller1")
    assert r.exit_code == 4 and "members.kyc" in r.stderr
    approved = coop.ok("members", "kyc", "approve", no, operator="manager1")
    assert (approved["status"], approved["kyc_status"]) == ("active", "approved")
    assert approved["kyc_by"] == "manager1"

    with coop.uow("teller1") as u:
        member = service.get_member(u, no)
        service.require_kyc(member)  # no longer raises
        service.require_open(member)
    assert audit_actions(coop, no) == [
        ("member.add", "teller1"),
        ("member.status", "manager1"),
        ("member.kyc_approved", "manager1"),
    ]
    assert coop.ok("ledger", "verify")["ok"] is True


def test_the_maker_cannot_approve_kyc_of_a_member_they_added(coop: Coop, tmp_path: Path) -> None:
    no = add(coop, operator="manager1")["member_no"]
    upload_kyc_documents(coop, tmp_path, no, operator="manager1")
    r = coop.cli("members", "kyc", "approve", no, operator="manager1")
    assert r.exit_code == 4
    assert "cannot also approve" in r.stderr
    assert coop.ok("members", "show", no)["kyc_status"] == "pending"
    assert coop.ok("members", "kyc", "approve", no, operator="manager2")["status"] == "active"


def test_kyc_maker_checker_can_be_switched_off(coop: Coop, tmp_path: Path) -> None:
    no = add(coop, operator="manager1")["member_no"]
    upload_kyc_documents(coop, tmp_path, no, operator="manager1")
    off = {"COOPCTL_APPROVALS__KYC__ENABLED": "false"}
    assert (
        coop.ok("members", "kyc", "approve", no, operator="manager1", **off)["status"] == "active"
    )


def test_approver_needs_a_role_the_policy_names(coop: Coop, tmp_path: Path) -> None:
    no = add(coop)["member_no"]
    upload_kyc_documents(coop, tmp_path, no)
    admins_only = {"COOPCTL_APPROVALS__KYC__APPROVER_ROLES": "admin"}
    r = coop.cli("members", "kyc", "approve", no, operator="manager1", **admins_only)
    assert r.exit_code == 4 and "may not approve KYC" in r.stderr
    assert coop.ok("members", "kyc", "approve", no, operator="admin", **admins_only)


def test_approval_needs_every_required_document(coop: Coop, tmp_path: Path) -> None:
    no = add(coop)["member_no"]
    (tmp_path / "id.pdf").write_bytes(PDF)
    coop.ok(
        "members", "docs", "add", no, tmp_path / "id.pdf", "--kind", "id_card", operator="teller1"
    )
    audit_before = count(coop, "audit_log")
    r = coop.cli("members", "kyc", "approve", no, operator="manager1")
    assert r.exit_code == 5
    assert "passport_photo" in r.stderr and "id_card" not in r.stderr.split("needs")[1]
    assert coop.ok("members", "show", no)["status"] == "pending_kyc"
    assert count(coop, "audit_log") == audit_before
    # the required kinds come from config
    only_id = {"COOPCTL_MEMBERS__REQUIRED_DOCUMENTS": "id_card"}
    assert coop.ok("members", "kyc", "approve", no, operator="manager1", **only_id)


def test_rejection_keeps_the_reason_and_a_later_approval_is_possible(
    coop: Coop, tmp_path: Path
) -> None:
    no = add(coop)["member_no"]
    r = coop.cli("members", "kyc", "reject", no, operator="manager1")
    assert r.exit_code == 2 and "--reason" in r.stderr
    rej = coop.ok(
        "members", "kyc", "reject", no, "--reason", "ID card expired", operator="manager1"
    )
    assert (rej["status"], rej["kyc_status"], rej["kyc_note"]) == (
        "pending_kyc",
        "rejected",
        "ID card expired",
    )
    upload_kyc_documents(coop, tmp_path, no)
    ok = coop.ok("members", "kyc", "approve", no, operator="manager2")
    assert (ok["status"], ok["kyc_status"], ok["kyc_note"]) == ("active", "approved", "")
    r = coop.cli("members", "kyc", "approve", no, operator="manager1")
    assert r.exit_code == 5 and "already approved" in r.stderr


# --- duplicates ---------------------------------------------------------------------
def test_duplicate_bvn_or_nin_is_refused_and_nothing_written(coop: Coop) -> None:
    first = add(coop, bvn="22212345678", nin="70012345678")
    before = (count(coop, "members"), count(coop, "audit_log"))
    r = coop.cli(
        "members",
        "add",
        "--first-name",
        "Bola",
        "--last-name",
        "Ade",
        "--phone",
        "08051112222",
        "--bvn",
        "22212345678",
        operator="teller1",
    )
    assert r.exit_code == 5
    assert "--bvn" in r.stderr and first["member_no"] in r.stderr
    r = coop.cli(
        "members",
        "add",
        "--first-name",
        "Bola",
        "--last-name",
        "Ade",
        "--phone",
        "08051112222",
        "--nin",
        "70012345678",
        operator="teller1",
    )
    assert r.exit_code == 5 and "--nin" in r.stderr
    assert (count(coop, "members"), count(coop, "audit_log")) == before
    # the next member still gets the next number: nothing was consumed
    assert add(coop, phone="08051112222")["member_no"] == "M00000021"


def test_staff_number_is_unique_per_employer(coop: Coop) -> None:
    add(coop, employer="Unity Bank", staff_no="UB-7")
    r = coop.cli(
        "members",
        "add",
        "--first-name",
        "Bola",
        "--last-name",
        "Ade",
        "--phone",
        "08051112222",
        "--employer",
        "unity bank",
        "--staff-no",
        "UB-7",
        operator="teller1",
    )
    assert r.exit_code == 5 and "--staff-no" in r.stderr
    assert add(coop, phone="08051112222", employer="Zenith", staff_no="UB-7")


# --- status transitions ----------------------------------------------------------------
def test_status_transitions_follow_the_table(coop: Coop, tmp_path: Path) -> None:
    no = add(coop)["member_no"]
    upd = ("members", "update", no)
    # pending_kyc → active only through KYC approval
    r = coop.cli(*upd, "--status", "active", operator="manager1")
    assert r.exit_code == 5 and "KYC approval" in r.stderr
    assert coop.cli(*upd, "--status", "suspended", "--reason", "x").exit_code == 5
    assert coop.cli(*upd, "--status", "exited").exit_code == 5
    assert coop.cli(*upd, "--status", "dormant").exit_code == 2
    upload_kyc_documents(coop, tmp_path, no)
    coop.ok("members", "kyc", "approve", no, operator="manager1")
    # active ↔ suspended; suspension needs a reason
    r = coop.cli(*upd, "--status", "suspended", operator="teller1")
    assert r.exit_code == 2 and "--reason" in r.stderr
    s = coop.ok(*upd, "--status", "suspended", "--reason", "fraud inquiry", operator="teller1")
    assert s["status"] == "suspended"
    with coop.uow("teller1") as u, pytest.raises(MemberInactiveError):
        service.require_open(service.get_member(u, no))
    assert coop.cli(*upd, "--status", "suspended", "--reason", "again").exit_code == 5
    assert coop.ok(*upd, "--status", "active", operator="teller1")["status"] == "active"
    # exited only through member exit (service call), then nothing moves
    assert coop.cli(*upd, "--status", "exited").exit_code == 5
    with coop.uow("teller1") as u, pytest.raises(PermissionDeniedError, match=r"members\.exit"):
        service.set_status(u, service.get_member(u, no), "exited")
    with coop.uow("manager1") as u:
        m = service.set_status(u, service.get_member(u, no), "exited")
        assert m.exited_on is not None and m.exited_on.isoformat() == coop.today
        u.commit()
    assert coop.cli(*upd, "--status", "active").exit_code == 5
    assert coop.cli(*upd, "--email", "a@b.ng").exit_code == 5
    with coop.uow("admin") as u, pytest.raises(InvalidStateError):
        service.set_status(u, service.get_member(u, no), "active")
    statuses = coop.sql("SELECT after FROM audit_log WHERE action = 'member.status' ORDER BY id")
    assert [json.loads(s[0])["status"] for s in statuses] == [
        "active",
        "suspended",
        "active",
        "exited",
    ]


# --- update --------------------------------------------------------------------------
def test_update_changes_contact_details_and_reindexes_the_phone(coop: Coop) -> None:
    no = add(coop, email="old@example.com")["member_no"]
    upd = coop.ok(
        "members",
        "update",
        no,
        "--phone",
        "+234 805 987 6543",
        "--email",
        "",
        "--employer",
        "Zenith",
        operator="teller1",
    )
    assert upd["phone"] == "+234******6543" and upd["email"] is None
    assert upd["employer"] == "Zenith"
    assert [m["member_no"] for m in coop.ok("members", "list", "--search", "08059876543")] == [no]
    assert coop.ok("members", "list", "--search", "08031234821") == []
    r = coop.cli("members", "update", no, "--bvn", "1234", operator="teller1")
    assert r.exit_code == 2 and "--bvn" in r.stderr
    assert coop.cli("members", "update", no, operator="teller1").exit_code == 2


def test_identity_of_an_approved_member_is_changed_only_by_a_kyc_officer(
    coop: Coop, tmp_path: Path
) -> None:
    no = add(coop, bvn="22212345678")["member_no"]
    upload_kyc_documents(coop, tmp_path, no)
    coop.ok("members", "kyc", "approve", no, operator="manager1")
    r = coop.cli("members", "update", no, "--bvn", "22212345679", operator="teller1")
    assert r.exit_code == 4
    assert coop.ok("members", "update", no, "--phone", "08059876543", operator="teller1")
    coop.ok("members", "update", no, "--bvn", "22212345679", operator="manager1")
    assert coop.ok("members", "list", "--bvn", "22212345679")[0]["member_no"] == no
    assert coop.ok("members", "list", "--bvn", "22212345678") == []
    r = coop.cli("members", "update", no, "--bvn", "", operator="manager1")
    assert r.exit_code == 2 and "cannot be removed" in r.stderr


# --- permissions and reveal ------------------------------------------------------------
def test_permissions(coop: Coop) -> None:
    before = count(coop, "members")
    r = coop.cli(
        "members",
        "add",
        "--first-name",
        "A",
        "--last-name",
        "B",
        "--phone",
        "08031234821",
        operator="auditor1",
    )
    assert r.exit_code == 4 and "members.manage" in r.stderr
    assert count(coop, "members") == before
    no = add(coop, bvn="22212345678")["member_no"]
    assert coop.ok("members", "list", operator="auditor1")[0]["member_no"] == no
    r = coop.cli("members", "show", no, "--reveal", operator="teller1")
    assert r.exit_code == 4 and "members.reveal" in r.stderr
    assert "22212345678" not in r.stdout
    before_audit = count(coop, "audit_log")
    shown = coop.ok("members", "show", no, "--reveal", operator="manager1")
    assert (shown["bvn"], shown["phone"], shown["revealed"]) == (
        "22212345678",
        "+2348031234821",
        True,
    )
    assert count(coop, "audit_log") == before_audit + 1
    assert audit_actions(coop, no)[-1] == ("member.reveal", "manager1")
    plain = coop.ok("members", "show", no, operator="teller1")
    assert plain["bvn"] == "*******5678" and "revealed" not in plain
    assert count(coop, "audit_log") == before_audit + 1  # a masked show is not audited


# --- search ------------------------------------------------------------------------------
def test_search_by_name_number_phone_bvn_and_nin(coop: Coop) -> None:
    a = add(coop, bvn="22212345678", nin="70012345678")["member_no"]
    b = add(coop, first_name="Ọlá", last_name="Adébáyọ̀", phone="+2348051112222")["member_no"]

    def nos(*args: str) -> list[str]:
        return [m["member_no"] for m in coop.ok("members", "list", *args)]

    assert nos() == [a, b]
    assert nos("--search", "okaf") == [a]
    assert nos("--search", "ola adebayo") == [b]  # accents and case folded
    assert nos("--search", "OKAFOR ADAEZE") == [a]
    assert nos("--search", "nobody") == []
    assert nos("--search", "50%") == []  # LIKE wildcards are literal
    assert nos("--search", b) == [b]
    assert nos("--search", b.lower()) == [b]
    assert nos("--search", "0805 111 2222") == [b]
    assert nos("--search", "+234-805-111-2222") == [b]
    assert nos("--bvn", "22212345678") == [a]
    assert nos("--nin", "70012345678") == [a]
    assert nos("--nin", "70012345679") == []
    assert nos("--status", "active") == []
    assert nos("--status", "pending_kyc", "--limit", "1") == [a]
    bad = b[:-1] + str((int(b[-1]) + 1) % 10)
    r = coop.cli("members", "list", "--search", bad)
    assert r.exit_code == 2 and "invalid check digit" in r.stderr
    assert coop.cli("members", "list", "--search", "12345").exit_code == 2
    assert coop.cli("members", "list", "--bvn", "1234").exit_code == 2
    assert coop.cli("members", "list", "--status", "gone").exit_code == 2


def test_lookups_validate_the_check_digit_before_the_database(coop: Coop) -> None:
    no = add(coop)["member_no"]
    bad = no[:-1] + str((int(no[-1]) + 1) % 10)
    for args in (
        ("show", bad),
        ("update", bad, "--email", "a@b.ng"),
        ("kyc", "approve", bad),
        ("docs", "list", bad),
    ):
        r = coop.cli("members", *args, operator="manager1")
        assert r.exit_code == 2, args
        assert "invalid check digit" in r.stderr
    assert coop.cli("members", "show", "M00000021").exit_code == 3  # valid, not there


def test_kyc_approval_can_require_a_totp_code(coop: Coop, tmp_path: Path) -> None:
    import pyotp

    from coopctl.core.crypto import FieldCipher

    no = add(coop)["member_no"]
    upload_kyc_documents(coop, tmp_path, no)
    coop.cli("operators", "mfa-enroll", "manager1").ok()
    token = coop.sql("SELECT totp_secret FROM operators WHERE username = 'manager1'")[0][0]
    secret = FieldCipher.from_file(coop.data_dir / "secret.key").decrypt(token, context="totp")
    otp = {"COOPCTL_APPROVALS__KYC__REQUIRE_OTP": "true"}
    r = coop.cli("members", "kyc", "approve", no, operator="manager1", **otp)
    assert r.exit_code == 4 and "--otp" in r.stderr
    assert coop.ok("members", "show", no)["kyc_status"] == "pending"
    code = pyotp.TOTP(str(secret)).now()
    ok = coop.ok("members", "kyc", "approve", no, "--otp", code, operator="manager1", **otp)
    assert ok["kyc_status"] == "approved"
