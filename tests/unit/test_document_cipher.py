"""Streamed, chunked AES-GCM for documents: round trips at chunk edges; truncation,
reordering, splicing and another key are refused."""

from __future__ import annotations

import io
import json
import os

import pytest

from coopctl.core import crypto
from coopctl.core.crypto import CHUNK, DocumentCipher, KeyFileError, KeyMismatchError

KEY = bytes(range(32))


def enc(data: bytes, key: bytes = KEY) -> bytes:
    out = io.BytesIO()
    assert DocumentCipher(key).encrypt_stream(io.BytesIO(data), out) == len(data)
    return out.getvalue()


def dec(blob: bytes, key: bytes = KEY) -> bytes:
    return b"".join(DocumentCipher(key).decrypt_stream(io.BytesIO(blob), "doc"))


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 7])
def test_round_trip_at_chunk_edges(size: int) -> None:
    data = os.urandom(size)
    blob = enc(data)
    from coopctl.members.doc_crypto import encrypted_size

    assert len(blob) == encrypted_size(size)
    assert dec(blob) == data
    if size >= 16:
        assert data[:16] not in blob


def test_truncation_at_a_chunk_boundary_is_refused() -> None:
    blob = enc(os.urandom(2 * CHUNK + 10))
    header = crypto._HEADER.size
    cut = blob[: header + 2 * (CHUNK + 16)]  # drop the last chunk exactly
    with pytest.raises(KeyFileError, match="chunk 1"):
        dec(cut)


def test_reordered_or_spliced_chunks_are_refused() -> None:
    data = os.urandom(3 * CHUNK)
    blob = enc(data)
    h, step = crypto._HEADER.size, CHUNK + 16
    c = [blob[h + i * step : h + (i + 1) * step] for i in range(3)]
    with pytest.raises(KeyFileError):
        dec(blob[:h] + c[1] + c[0] + c[2])
    other = enc(data)  # same plaintext, another file: its chunks do not fit here
    with pytest.raises(KeyFileError):
        dec(blob[:h] + other[h : h + step] + blob[h + step :])


def test_another_key_is_named() -> None:
    blob = enc(b"%PDF-1.7 id card")
    with pytest.raises(KeyMismatchError, match=crypto.key_id(KEY)):
        dec(blob, key=bytes(32))


def test_addresses_are_keyed() -> None:
    a, b = DocumentCipher(KEY), DocumentCipher(bytes(32))
    assert a.address(b"x") != b.address(b"x")
    import hashlib

    assert a.address(b"x") != hashlib.sha256(b"x").hexdigest()


def test_field_ciphertexts_name_their_key_and_legacy_ones_still_read() -> None:
    import base64

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    c = crypto.FieldCipher(KEY)
    token = c.encrypt("22298765431", context="member:M1:bvn")
    assert token is not None and token.startswith(f"v2:{c.key_id}:")
    assert c.decrypt(token, context="member:M1:bvn") == "22298765431"
    with pytest.raises(KeyFileError):  # the key id is bound: editing it does not help
        crypto.FieldCipher(KEY).decrypt(token.replace(c.key_id, c.key_id), context="member:M2:bvn")
    nonce = os.urandom(12)
    legacy = (
        "v1:"
        + base64.b64encode(
            nonce + AESGCM(KEY).encrypt(nonce, b"22298765431", b"member:M1:bvn")
        ).decode()
    )
    assert c.decrypt(legacy, context="member:M1:bvn") == "22298765431"
    with pytest.raises(KeyMismatchError, match=c.key_id):
        crypto.FieldCipher(bytes(32)).decrypt(token, context="member:M1:bvn")


def test_verify_reads_only_the_newest_anchors(tmp_path: object) -> None:
    from pathlib import Path

    from coopctl.core import audit

    path = Path(str(tmp_path)) / "anchors.log"
    key = bytes(32)
    lines = []
    for i in range(1, 3001):
        a = audit.make_anchor(key, i, i, f"{i:064x}")
        fields = ("at", "row_id", "count", "head", "key_id", "mac")
        lines.append(json.dumps({f: getattr(a, f) for f in fields}))
    path.write_text("\n".join(lines) + "\n")
    anchors, problems = audit.read_anchors(path, tail=64 * 1024)
    assert problems == []
    assert max(a.row_id for a in anchors) == 3000 and 100 < len(anchors) < 3000
    assert [a.line for a in anchors][:2] == [1, 2]
