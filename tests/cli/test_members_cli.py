"""``coopctl members`` from the command line: malformed input for every field exits 2
naming the field and writes nothing; JSON shapes; light imports."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import Coop

GOOD = {
    "--first-name": "Adaeze",
    "--last-name": "Okafor",
    "--phone": "08031234821",
    "--email": "adaeze@example.com",
    "--dob": "1990-02-03",
    "--bvn": "22212345678",
    "--nin": "70012345678",
    "--joined": "2026-11-02",
}


def written(coop: Coop) -> tuple[int, int, int]:
    def n(sql: str) -> int:
        return int(coop.sql(sql)[0][0])

    return (
        n("SELECT COUNT(*) FROM members"),
        n("SELECT COUNT(*) FROM audit_log"),
        n("SELECT COALESCE(SUM(value), 0) FROM counters"),
    )


def add_args(**overrides: str) -> list[str]:
    fields = {**GOOD, **overrides}
    return [x for k, v in fields.items() for x in (k, v)]


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--bvn", "1234", "exactly 11 digits"),
        ("--bvn", "1234567890a", "exactly 11 digits"),
        ("--nin", "1234", "exactly 11 digits"),
        ("--nin", "123456789012", "exactly 11 digits"),
        ("--phone", "12345", "not a valid NG phone number"),
        ("--phone", "", "must not be empty"),
        ("--email", "x@", "not an e-mail address"),
        ("--dob", "2027-05-01", "in the future"),
        ("--dob", "2010-01-01", "minimum age is 18"),
        ("--dob", "1990-02-30", "not a date"),
        ("--joined", "2026-11-29", "after the business date"),
        ("--joined", "yesterday", "not a date"),
        ("--first-name", "", "must not be empty"),
        ("--last-name", "", "must not be empty"),
        ("--last-name", "0k4f0r", "letters only"),
    ],
)
def test_malformed_input_exits_2_naming_the_field_and_writes_nothing(
    coop: Coop, option: str, value: str, says: str
) -> None:
    before = written(coop)
    r = coop.cli("members", "add", *add_args(**{option: value}), operator="teller1")
    assert r.exit_code == 2, r.stderr
    assert f"{option}: " in r.stderr and says in r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert written(coop) == before


def test_several_bad_fields_are_all_named(coop: Coop) -> None:
    before = written(coop)
    r = coop.cli(
        "members",
        "add",
        *add_args(**{"--bvn": "1", "--phone": "1", "--email": "@"}),
        operator="teller1",
    )
    assert r.exit_code == 2
    assert "3 invalid fields: --phone, --email, --bvn" in r.stderr
    assert written(coop) == before


def test_missing_required_options_are_named(coop: Coop) -> None:
    r = coop.cli("members", "add", "--phone", "08031234821", operator="teller1")
    assert r.exit_code == 2
    assert "--first-name: must not be empty" in r.stderr
    assert "--last-name: must not be empty" in r.stderr


def test_min_age_comes_from_config(coop: Coop) -> None:
    args = add_args(**{"--dob": "2010-01-01"})
    assert coop.cli("members", "add", *args, operator="teller1").exit_code == 2
    r = coop.cli("members", "add", *args, operator="teller1", COOPCTL_MEMBERS__MIN_AGE="16")
    assert r.exit_code == 0, r.stderr


def test_bad_member_number_check_digit_exits_2(coop: Coop) -> None:
    coop.ok("members", "add", *add_args(), operator="teller1")
    before = written(coop)
    for args in (
        ("show", "M00000012"),
        ("update", "M00000012", "--email", "a@b.ng"),
        ("kyc", "reject", "M00000012", "--reason", "x"),
        ("show", "X123"),
    ):
        r = coop.cli("members", *args, operator="manager1")
        assert r.exit_code == 2, args
        assert "MEMBER_NO" in r.stderr
    assert "invalid check digit" in coop.cli("members", "show", "M00000012").stderr
    assert written(coop) == before


def test_add_and_show_json_carry_the_contract_keys_masked(coop: Coop) -> None:
    added = coop.ok("members", "add", *add_args(), operator="teller1")
    shown = coop.ok("members", "show", added["member_no"], operator="teller1")
    for doc in (added, shown):
        assert {
            "member_no",
            "first_name",
            "last_name",
            "status",
            "kyc_status",
            "phone",
            "bvn",
            "nin",
            "email",
            "joined",
        } <= set(doc)
        assert doc["phone"] == "+234******4821"
        assert (doc["bvn"], doc["nin"]) == ("*******5678", "*******5678")
        assert doc["dob"] == "1990-**-**"
    text = coop.cli("members", "show", added["member_no"], operator="teller1").ok().stdout
    assert "Okafor" in text and "22212345678" not in text and "8031234821" not in text
    csv = coop.cli("members", "list", "--format", "csv").ok().stdout.splitlines()
    assert csv[0] == "member_no,first_name,last_name,status,kyc_status,phone,joined"
    assert csv[1] == "M00000013,Adaeze,Okafor,pending_kyc,pending,+234******4821,2026-11-02"


def test_members_cli_module_imports_nothing_heavy() -> None:
    code = (
        "import sys, coopctl.cli.members\n"
        "heavy = [m for m in ('phonenumbers', 'email_validator', 'cryptography', 'sqlalchemy')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_security_rotate_key_is_listed_with_an_example(coop: Coop) -> None:
    r = coop.cli("security", "--help")
    assert r.exit_code == 0 and "rotate-key" in r.stdout
    r = coop.cli("members", "--help")
    for sub in ("add", "list", "show", "update", "import", "kyc", "docs"):
        assert sub in r.stdout
