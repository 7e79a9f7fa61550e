"""The backup container (chunked AES-GCM / checksummed plain) and the retention rule."""

from __future__ import annotations

import io
import os
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coopctl.backup import stream
from coopctl.backup.retention import keep_set

KEY = bytes(range(32))


def _seal(data: bytes, mode: int = stream.MODE_KEY, chunk: int = 64) -> bytes:
    key = KEY if mode != stream.MODE_PLAIN else None
    out = io.BytesIO()
    w = stream.Writer(out, stream.new_header(mode, key=key, chunk_size=chunk), key)
    for i in range(0, len(data), 37):  # writes of odd sizes across chunk borders
        w.write(data[i : i + 37])
    w.close()
    return out.getvalue()


def _open(blob: bytes, key: bytes | None = KEY) -> bytes:
    src = io.BytesIO(blob)
    header = stream.read_header(src)
    return stream.open_reader(src, header, key if header.encrypted else None).read()


def _chunks(blob: bytes) -> list[bytes]:
    """The raw chunks (length word included) after the header."""
    pos, out = stream.HEADER_LEN, []
    while pos < len(blob):
        (word,) = struct.unpack(">I", blob[pos : pos + 4])
        n = 4 + (word & 0x7FFFFFFF)
        out.append(blob[pos : pos + n])
        pos += n
    return out


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=700), st.sampled_from([stream.MODE_KEY, stream.MODE_PLAIN]))
def test_round_trip_any_data(data: bytes, mode: int) -> None:
    assert _open(_seal(data, mode)) == data


def test_encrypted_chunks_hide_the_plaintext() -> None:
    data = b"BVN 22212345678 " * 40
    blob = _seal(data)
    assert b"22212345678" not in blob
    assert b"22212345678" in _seal(data, stream.MODE_PLAIN)


@pytest.mark.parametrize("mode", [stream.MODE_KEY, stream.MODE_PLAIN])
def test_dropped_swapped_or_cut_chunks_are_damage(mode: int) -> None:
    blob = _seal(os.urandom(300), mode)
    head, chunks = blob[: stream.HEADER_LEN], _chunks(blob)
    assert len(chunks) == 5  # 300 bytes in 64-byte chunks
    cases = {
        "dropped": head + b"".join(chunks[:2] + chunks[3:]),
        "swapped": head + b"".join([chunks[1], chunks[0], *chunks[2:]]),
        "no final": head + b"".join(chunks[:-1]),
        "extended": blob + chunks[-1],
        "cut": blob[:-5],
    }
    for name, bad in cases.items():
        with pytest.raises(stream.StreamDamagedError):
            _open(bad)
            pytest.fail(name)


def test_a_flipped_byte_anywhere_is_damage_never_a_wrong_key() -> None:
    blob = _seal(b"x" * 200)
    for i in range(len(blob)):
        bad = bytearray(blob)
        bad[i] ^= 0x80
        with pytest.raises(stream.StreamDamagedError):
            _open(bytes(bad))


def test_wrong_key_is_told_apart_from_damage() -> None:
    blob = _seal(b"payload")
    with pytest.raises(stream.StreamKeyError):
        _open(blob, key=bytes(32))
    with pytest.raises(stream.StreamKeyError):
        _open(blob, key=None)


def test_passphrase_key_derivation_is_salted_and_repeatable() -> None:
    salt = b"s" * 16
    a = stream.derive_key("correct horse battery staple", salt, 10, 8, 1)
    assert a == stream.derive_key("correct horse battery staple", salt, 10, 8, 1)
    assert a != stream.derive_key("correct horse battery staple", b"t" * 16, 10, 8, 1)
    assert len(a) == 32


def test_retention_worked_example() -> None:
    """Daily backups from 1 Sep to 28 Nov 2026; keep 7 daily, 4 weekly, 3 monthly:
    28..22 Nov (the days), 15 and 8 Nov (the Sundays ending earlier ISO weeks; 22 Nov
    already ends its week), 31 Oct and 30 Sep (month ends; November's is 28 Nov)."""
    end = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
    created = [end - timedelta(days=i) for i in range(89)]
    kept = sorted(
        created[i].date().isoformat() for i in keep_set(created, daily=7, weekly=4, monthly=3)
    )
    assert kept == [
        "2026-09-30",
        "2026-10-31",
        "2026-11-08",
        "2026-11-15",
        *[f"2026-11-{d}" for d in range(22, 29)],
    ]


def test_retention_keeps_the_newest_of_several_a_day() -> None:
    end = datetime(2026, 11, 28, 23, 0, tzinfo=UTC)
    created = [end - timedelta(hours=6 * i) for i in range(8)]  # 4 a day, 2 days
    assert keep_set(created, daily=7, weekly=0, monthly=0) == {0, 4}


def _archive_with(tmp_path: Path, names: list[str]) -> Path:
    from coopctl.backup import archive

    src = tmp_path / "payload"
    src.write_bytes(b"%PDF-1.7 hostile")
    out = tmp_path / "hostile.coopbak"
    w = archive.ArchiveWriter(out, stream.new_header(stream.MODE_PLAIN), None)
    for n in names:
        w.add_file(n, src)
    w.finish({"dialect": "sqlite", "database": names[0]})
    return out


@pytest.mark.parametrize(
    "name", ["data/../../escaped", "/etc/coopctl-escaped", "elsewhere/file", "data/[/bold]\x1b[2J"]
)
def test_hostile_member_names_are_refused_or_kept_inside(tmp_path: Path, name: str) -> None:
    from coopctl.backup import archive
    from coopctl.backup.errors import BackupDamagedError

    bad = _archive_with(tmp_path, ["db/database.sqlite", name])
    staging = tmp_path / "staging"
    staging.mkdir()
    if name.startswith("data/["):
        archive.extract(bad, staging, lambda h: None)  # odd but inside: extracted as a name
        assert (staging / "data" / "[" / "bold]\x1b[2J").is_file()
    else:
        with pytest.raises(BackupDamagedError):
            archive.extract(bad, staging, lambda h: None)
    assert not (tmp_path / "escaped").exists() and not Path("/etc/coopctl-escaped").exists()


def test_a_part_missing_from_the_manifest_is_damage(tmp_path: Path) -> None:
    from coopctl.backup import archive
    from coopctl.backup.errors import BackupDamagedError

    out = tmp_path / "b.coopbak"
    src = tmp_path / "p"
    src.write_bytes(b"x")
    w = archive.ArchiveWriter(out, stream.new_header(stream.MODE_PLAIN), None)
    w.add_file("db/database.sqlite", src)
    w.add_file("data/secret.key", src)
    del w.parts["data/secret.key"]  # a part smuggled in without a digest
    w.finish({"dialect": "sqlite", "database": "db/database.sqlite"})
    with pytest.raises(BackupDamagedError, match="not in the manifest"):
        archive.extract(out, tmp_path, lambda h: None)
