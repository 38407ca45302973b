"""Signing keys and signed audit records (stalkrisk.signing), in Python and on the command line."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import json
import stat
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError

import stalkrisk
from stalkrisk import AssessmentRecord, Case, KeyFileError, verify
from stalkrisk.audit import BAD_SIGNATURE, NOT_SIGNED
from stalkrisk.cli import main
from stalkrisk.signing import PublicKey, SigningKey

from .conftest import EXAMPLES

RECORDS = Path(__file__).resolve().parent / "data" / "records"
WHEN = dt.datetime(2026, 4, 27, 10, 0, tzinfo=dt.UTC)
REASON = "Police report a new threat made yesterday."
PASSPHRASE = b"correct horse battery staple"

Data = dict[str, Any]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _rehashed(data: Data) -> Data:
    """Give edited record data a correct ``record_sha256``, as a careful forger would."""
    placeholder = AssessmentRecord.model_validate({**data, "record_sha256": "0" * 64})
    return {**data, "record_sha256": placeholder.recompute_sha256()}


def _harm(data: Data) -> Data:
    return next(s for s in data["assessment"]["scales"] if s["scale"] == "serious_harm")


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture(scope="module")
def other_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture(scope="module")
def case() -> Case:
    return stalkrisk.load_example("EX-01")


@pytest.fixture(scope="module")
def unsigned(case: Case) -> AssessmentRecord:
    """EX-01 with a professional's override of serious harm (top band to the middle one)."""
    overridden = stalkrisk.score(case).with_override(
        "serious_harm", "several", "information_not_captured", REASON, "PO-117"
    )
    return AssessmentRecord.from_assessment(overridden, case, created_at=WHEN)


@pytest.fixture(scope="module")
def signed(unsigned: AssessmentRecord, key: SigningKey) -> AssessmentRecord:
    return unsigned.signed(key)


@pytest.fixture
def ex01_file() -> Path:
    return next(EXAMPLES.glob("EX-01-*.json"))


# --- keys --------------------------------------------------------------------------------------


def test_generated_keys_differ_and_have_the_sha256_of_the_raw_public_key_as_id(
    key: SigningKey, other_key: SigningKey
) -> None:
    assert key.key_id != other_key.key_id
    loaded = serialization.load_pem_public_key(key.public_key.pem())
    assert isinstance(loaded, Ed25519PublicKey)
    raw = loaded.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert len(raw) == 32
    assert key.key_id == hashlib.sha256(raw).hexdigest()
    assert key.public_key.key_id == key.key_id


def test_save_writes_a_private_key_only_its_owner_reads(key: SigningKey, tmp_path: Path) -> None:
    private, public = tmp_path / "k.pem", tmp_path / "k.pub.pem"
    key.save(private, public)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert public.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    assert SigningKey.load(private).key_id == key.key_id
    assert PublicKey.load(public).key_id == key.key_id
    message = b"a message"
    assert PublicKey.load(public).verify(SigningKey.load(private).sign(message), message)


@pytest.mark.parametrize("existing", ["private", "public"])
def test_save_never_overwrites_a_file(key: SigningKey, tmp_path: Path, existing: str) -> None:
    paths = {"private": tmp_path / "k.pem", "public": tmp_path / "k.pub.pem"}
    paths[existing].write_bytes(b"precious")
    with pytest.raises(FileExistsError, match="never overwritten"):
        key.save(paths["private"], paths["public"])
    assert paths[existing].read_bytes() == b"precious"
    other = paths["public" if existing == "private" else "private"]
    assert not other.exists()  # both files, or neither


def test_save_over_an_existing_key_pair_changes_neither(
    key: SigningKey, other_key: SigningKey, tmp_path: Path
) -> None:
    private, public = tmp_path / "k.pem", tmp_path / "k.pub.pem"
    key.save(private, public)
    before = private.read_bytes(), public.read_bytes()
    with pytest.raises(FileExistsError):
        other_key.save(private, public)
    assert (private.read_bytes(), public.read_bytes()) == before
    assert SigningKey.load(private).key_id == key.key_id


def test_key_encrypted_with_a_passphrase(key: SigningKey, tmp_path: Path) -> None:
    private, public = tmp_path / "k.pem", tmp_path / "k.pub.pem"
    key.save(private, public, passphrase=PASSPHRASE)
    assert private.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert SigningKey.load(private, PASSPHRASE).key_id == key.key_id
    with pytest.raises(KeyFileError, match="the key is encrypted and needs its passphrase"):
        SigningKey.load(private)
    with pytest.raises(KeyFileError, match="the passphrase is wrong") as wrong:
        SigningKey.load(private, b"wrong passphrase")
    assert str(wrong.value).startswith(str(private))
    assert PASSPHRASE.decode() not in str(wrong.value)


def test_passphrase_for_a_key_that_is_not_encrypted(key: SigningKey, tmp_path: Path) -> None:
    private, public = tmp_path / "k.pem", tmp_path / "k.pub.pem"
    key.save(private, public)
    with pytest.raises(KeyFileError, match="the key is not encrypted; give no passphrase"):
        SigningKey.load(private, PASSPHRASE)


@pytest.mark.parametrize(
    ("content", "private_message", "public_message"),
    [
        pytest.param(b"not a key\n", "not a PEM private key", "not a PEM public key", id="text"),
        pytest.param(None, "no such file", "no such file", id="missing"),
        pytest.param(b"x" * (64 * 1024 + 1), "too large", "too large", id="too-large"),
    ],
)
def test_not_a_key_file(
    tmp_path: Path, content: bytes | None, private_message: str, public_message: str
) -> None:
    path = tmp_path / "k.pem"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(KeyFileError, match=private_message) as private:
        SigningKey.load(path)
    with pytest.raises(KeyFileError, match=public_message):
        PublicKey.load(path)
    assert str(private.value).startswith(f"{path}: ")
    assert isinstance(private.value, ValueError)


def test_public_and_private_key_files_are_not_interchangeable(
    key: SigningKey, tmp_path: Path
) -> None:
    private, public = tmp_path / "k.pem", tmp_path / "k.pub.pem"
    key.save(private, public)
    with pytest.raises(KeyFileError, match="not a PEM private key"):
        SigningKey.load(public)
    with pytest.raises(KeyFileError, match="not a PEM public key"):
        PublicKey.load(private)


# --- signing records ---------------------------------------------------------------------------


def test_signed_record_names_its_key(signed: AssessmentRecord, key: SigningKey) -> None:
    assert signed.signature is not None
    assert signed.signature.algorithm == "ed25519"
    assert signed.signature.key_id == key.key_id
    assert len(base64.b64decode(signed.signature.value, validate=True)) == 64
    assert signed.content_intact()


def test_signature_status(
    signed: AssessmentRecord, unsigned: AssessmentRecord, key: SigningKey, other_key: SigningKey
) -> None:
    assert signed.signature_status(key.public_key) == "valid"
    assert signed.signature_status(other_key.public_key) == "other_key"
    assert unsigned.signature_status(key.public_key) == "unsigned"
    assert unsigned.signed(other_key).signature_status(other_key.public_key) == "valid"


def _edit_assessor(data: Data) -> None:
    _harm(data)["overrides"][0]["assessor"] = "PO-118"


def _edit_reason(data: Data) -> None:
    _harm(data)["overrides"][0]["reason"] = "No new information; the threat was withdrawn."


def _edit_total(data: Data) -> None:
    _harm(data)["total"] -= 1


def _edit_signature(data: Data) -> None:
    raw = bytearray(base64.b64decode(data["signature"]["value"]))
    raw[10] ^= 0x01
    data["signature"]["value"] = base64.b64encode(bytes(raw)).decode("ascii")


_EDITS = [
    pytest.param(_edit_assessor, id="assessor"),
    pytest.param(_edit_reason, id="reason"),
    pytest.param(_edit_total, id="total"),
    pytest.param(_edit_signature, id="signature-bytes"),
]


@pytest.mark.parametrize("rehash", [False, True], ids=["as-edited", "rehashed"])
@pytest.mark.parametrize("edit", _EDITS)
def test_any_edit_after_signing_invalidates_the_signature(
    signed: AssessmentRecord, key: SigningKey, case: Case, edit: Any, rehash: bool
) -> None:
    data = json.loads(signed.to_json())
    edit(data)
    if rehash:
        data = _rehashed(data)
    record = AssessmentRecord.model_validate(data)
    assert record != signed
    assert record.signature_status(key.public_key) == "invalid"
    diffs = verify(record, case, public_key=key.public_key)
    assert diffs[0].field == "signature"
    assert diffs[0].message == BAD_SIGNATURE
    assert (diffs[0].recorded, diffs[0].recomputed) == (key.key_id, key.key_id)


@pytest.mark.parametrize("edit", [_edit_assessor, _edit_reason], ids=["assessor", "reason"])
def test_only_the_signature_shows_an_edited_override(
    signed: AssessmentRecord, key: SigningKey, case: Case, edit: Any
) -> None:
    data = json.loads(signed.to_json())
    edit(data)
    forged = _rehashed(data)
    assert verify(forged, case) == []  # the override is judgement: nothing to recompute
    assert [d.field for d in verify(forged, case, public_key=key.public_key)] == ["signature"]


def test_verify_with_a_public_key(
    signed: AssessmentRecord,
    unsigned: AssessmentRecord,
    key: SigningKey,
    other_key: SigningKey,
    case: Case,
) -> None:
    assert verify(signed, case, public_key=key.public_key) == []
    assert verify(signed, case) == []  # without a key: re-scored only
    (other,) = verify(signed, case, public_key=other_key.public_key)
    assert other.field == "signature"
    assert other.message == f"the record was signed with another key (key id {key.key_id[:16]})"
    assert (other.recorded, other.recomputed) == (key.key_id, other_key.key_id)
    (missing,) = verify(unsigned, case, public_key=key.public_key)
    assert missing.field == "signature"
    assert missing.message == NOT_SIGNED
    assert missing.recorded is None


def test_signature_difference_comes_with_the_rescoring_differences(
    signed: AssessmentRecord, key: SigningKey
) -> None:
    ex02 = stalkrisk.load_example("EX-02")
    fields = [d.field for d in verify(signed, ex02, public_key=key.public_key)]
    assert fields[:2] == ["input_sha256", "case_id"]
    assert "signature" not in fields  # the signature is valid: only the case is another


def test_a_format_1_record_cannot_be_signed(key: SigningKey) -> None:
    text = (RECORDS / "v1-EX-01-override.json").read_text(encoding="utf-8")
    record = AssessmentRecord.model_validate_json(text)
    with pytest.raises(ValueError, match="only records of format stalkrisk-record/2"):
        record.signed(key)
    # nor read with a signature grafted on
    signature = {"key_id": key.key_id, "value": base64.b64encode(b"\0" * 64).decode()}
    with pytest.raises(ValidationError, match="only records of format stalkrisk-record/2"):
        AssessmentRecord.model_validate({**json.loads(text), "signature": signature})


def test_a_record_whose_hash_does_not_match_is_not_signed(
    unsigned: AssessmentRecord, key: SigningKey
) -> None:
    data = json.loads(unsigned.to_json())
    _edit_total(data)
    with pytest.raises(ValueError, match="own hash does not match"):
        AssessmentRecord.model_validate(data).signed(key)


def test_signed_record_round_trips_and_still_verifies(
    signed: AssessmentRecord, key: SigningKey, case: Case
) -> None:
    text = signed.to_json()
    assert '"signature": {' in text
    back = AssessmentRecord.model_validate_json(text)
    assert back == signed
    assert back.to_json() == text
    assert back.signature_status(key.public_key) == "valid"
    assert verify(back, case, public_key=key.public_key) == []
    assert verify(text, case, public_key=key.public_key) == []
    # the signature is not part of what record_sha256 covers
    assert back.record_sha256 == signed.record_sha256
    assert back.content_intact()


# --- another language can check it -------------------------------------------------------------


def _ogrs3_record() -> AssessmentRecord:
    text = (RECORDS / "v1-ogrs3-answers.input.json").read_text(encoding="utf-8")
    answers = stalkrisk.ItemAnswers.model_validate_json(text)
    return AssessmentRecord.from_assessment(
        stalkrisk.score_answers(answers, "ogrs3"), answers, created_at=WHEN
    )


@pytest.mark.parametrize(
    "stamp",
    [WHEN, WHEN.replace(microsecond=120000), WHEN.replace(microsecond=1)],
    ids=["whole-second", "fraction", "microsecond"],
)
@pytest.mark.parametrize("which", ["EX-01-override", "OGRS3"])
def test_independent_rfc8785_and_ed25519_check(
    unsigned: AssessmentRecord, key: SigningKey, tmp_path: Path, which: str, stamp: dt.datetime
) -> None:
    """What a court system in another language does: only the JSON, rfc8785 and the PEM file."""
    base = unsigned if which == "EX-01-override" else _ogrs3_record()
    fresh = AssessmentRecord.from_assessment(base.assessment, _input_of(which), created_at=stamp)
    record = fresh.signed(key)
    private, public = tmp_path / "k.pem", tmp_path / "k.pub.pem"
    key.save(private, public)

    data = json.loads(record.to_json())
    signature = data.pop("signature")
    assert signature["key_id"] == key.key_id
    message = rfc8785.dumps(data)
    assert message == record.signed_message()
    loaded = serialization.load_pem_public_key(public.read_bytes())
    assert isinstance(loaded, Ed25519PublicKey)
    loaded.verify(base64.b64decode(signature["value"]), message)  # raises if not valid
    raw = loaded.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert hashlib.sha256(raw).hexdigest() == signature["key_id"]

    content = {k: v for k, v in data.items() if k != "record_sha256"}
    assert hashlib.sha256(rfc8785.dumps(content)).hexdigest() == data["record_sha256"]

    # and a one-byte change of the record breaks the independent check
    changed = copy.deepcopy(data)
    changed["assessment"]["scales"][0]["overrides"] = [{"assessor": "X"}]
    with pytest.raises(InvalidSignature):
        loaded.verify(base64.b64decode(signature["value"]), rfc8785.dumps(changed))


def _input_of(which: str) -> Any:
    if which == "OGRS3":
        text = (RECORDS / "v1-ogrs3-answers.input.json").read_text(encoding="utf-8")
        return stalkrisk.ItemAnswers.model_validate_json(text)
    return stalkrisk.load_example("EX-01")


# --- the command line --------------------------------------------------------------------------


def _keys_new(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, *extra: str, name: str = "k"
) -> tuple[Path, Path]:
    private, public = tmp_path / f"{name}.pem", tmp_path / f"{name}.pub.pem"
    code, out, err = _run(
        capsys, "keys", "new", "--private", str(private), "--public", str(public), *extra
    )
    assert code == 0, err
    assert "key id: " in out
    return private, public


def test_cli_keys_new_writes_both_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    private, public = tmp_path / "k.pem", tmp_path / "k.pub.pem"
    code, out, err = _run(capsys, "keys", "new", "--private", str(private), "--public", str(public))
    assert code == 0
    assert err == ""
    key = SigningKey.load(private)
    assert PublicKey.load(public).key_id == key.key_id
    assert f"key id: {key.key_id}" in out
    assert stat.S_IMODE(private.stat().st_mode) == 0o600


@pytest.mark.parametrize("existing", ["private", "public"])
def test_cli_keys_new_never_overwrites(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, existing: str
) -> None:
    paths = {"private": tmp_path / "k.pem", "public": tmp_path / "k.pub.pem"}
    paths[existing].write_text("precious", encoding="utf-8")
    code, out, err = _run(
        capsys, "keys", "new", "--private", str(paths["private"]), "--public", str(paths["public"])
    )
    assert code == 2
    assert out == ""
    assert f"{paths[existing]} exists already" in err
    assert paths[existing].read_text(encoding="utf-8") == "precious"
    other = paths["public" if existing == "private" else "private"]
    assert not other.exists()


def test_cli_keys_new_over_an_existing_pair_changes_neither(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    private, public = _keys_new(capsys, tmp_path)
    before = private.read_bytes(), public.read_bytes()
    code, _, _ = _run(capsys, "keys", "new", "--private", str(private), "--public", str(public))
    assert code == 2
    assert (private.read_bytes(), public.read_bytes()) == before


def _score_signed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, case_file: Path, private: Path, *extra: str
) -> Path:
    record = tmp_path / "record.json"
    code, _, err = _run(
        capsys, "score", "--record", str(record), "--sign-key", str(private), *extra, str(case_file)
    )
    assert code == 0, err
    return record


def test_cli_score_writes_a_signed_record_that_verifies(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, ex01_file: Path
) -> None:
    private, public = _keys_new(capsys, tmp_path)
    path = _score_signed(capsys, tmp_path, ex01_file, private)
    record = AssessmentRecord.model_validate_json(path.read_text(encoding="utf-8"))
    assert record.signature is not None
    assert record.signature_status(PublicKey.load(public)) == "valid"

    code, out, err = _run(capsys, "verify", str(path), str(ex01_file), "--public-key", str(public))
    assert code == 0, out
    assert err == ""
    first, second = out.splitlines()
    assert first.startswith(f"verified: {path} matches case EX-01")
    assert second.startswith(
        f"authenticated: signed with the key given (key id {record.signature.key_id[:16]})"
    )

    code, out, _ = _run(capsys, "verify", str(path), str(ex01_file))
    assert code == 0
    second = out.splitlines()[1]
    assert second.startswith("not authenticated: the record is signed")
    assert "no --public-key was given" in second


def test_cli_verify_with_another_key_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, ex01_file: Path
) -> None:
    private, _ = _keys_new(capsys, tmp_path)
    _, other_public = _keys_new(capsys, tmp_path, name="other")
    path = _score_signed(capsys, tmp_path, ex01_file, private)
    code, out, err = _run(
        capsys, "verify", str(path), str(ex01_file), "--public-key", str(other_public)
    )
    assert code == 1
    assert err == ""
    assert out.startswith(f"1 difference(s) between {path}")
    assert "  signature: the record was signed with another key" in out
    assert "verified" not in out
    assert "authenticated" not in out


def test_cli_verify_an_edited_signed_record_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, ex01_file: Path
) -> None:
    private, public = _keys_new(capsys, tmp_path)
    path = _score_signed(capsys, tmp_path, ex01_file, private)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["created_at"] = "2026-01-01T00:00:00Z"
    path.write_text(json.dumps(_rehashed(data), indent=2), encoding="utf-8")
    code, out, _ = _run(capsys, "verify", str(path), str(ex01_file), "--public-key", str(public))
    assert code == 1
    assert f"  signature: {BAD_SIGNATURE}" in out


def test_cli_verify_an_unsigned_record_with_a_public_key_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, ex01_file: Path
) -> None:
    _, public = _keys_new(capsys, tmp_path)
    path = tmp_path / "record.json"
    assert _run(capsys, "score", "--record", str(path), str(ex01_file))[0] == 0
    code, out, _ = _run(capsys, "verify", str(path), str(ex01_file), "--public-key", str(public))
    assert code == 1
    assert "  signature: the record is not signed" in out


def test_cli_sign_key_without_record_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, ex01_file: Path
) -> None:
    private, _ = _keys_new(capsys, tmp_path)
    code, out, err = _run(capsys, "score", "--sign-key", str(private), str(ex01_file))
    assert code == 2
    assert out == ""
    assert "--sign-key signs the audit record: add --record OUT.json" in err


def test_cli_passphrase_env(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    ex01_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("STALKRISK_TEST_PASSPHRASE", raising=False)
    private, public = tmp_path / "k.pem", tmp_path / "k.pub.pem"
    new = ["keys", "new", "--private", str(private), "--public", str(public)]
    code, _, err = _run(capsys, *new, "--passphrase-env", "STALKRISK_TEST_PASSPHRASE")
    assert code == 2
    assert "STALKRISK_TEST_PASSPHRASE (--passphrase-env) is not set" in err
    assert not private.exists()
    assert not public.exists()

    monkeypatch.setenv("STALKRISK_TEST_PASSPHRASE", PASSPHRASE.decode())
    code, _, err = _run(capsys, *new, "--passphrase-env", "STALKRISK_TEST_PASSPHRASE")
    assert code == 0, err
    assert private.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")

    record = tmp_path / "record.json"
    sign = ["score", "--record", str(record), "--sign-key", str(private)]
    path = _score_signed(
        capsys, tmp_path, ex01_file, private, "--passphrase-env", "STALKRISK_TEST_PASSPHRASE"
    )
    signed = AssessmentRecord.model_validate_json(path.read_text(encoding="utf-8"))
    assert signed.signature_status(PublicKey.load(public)) == "valid"
    path.unlink()

    monkeypatch.delenv("STALKRISK_TEST_PASSPHRASE")
    code, _, err = _run(
        capsys, *sign, "--passphrase-env", "STALKRISK_TEST_PASSPHRASE", str(ex01_file)
    )
    assert code == 2
    assert "STALKRISK_TEST_PASSPHRASE (--passphrase-env) is not set" in err
    assert not record.exists()

    # without the passphrase, or with a wrong one: the key file cannot be read (exit 1)
    code, _, err = _run(capsys, *sign, str(ex01_file))
    assert code == 1
    assert "needs its passphrase" in err
    monkeypatch.setenv("STALKRISK_TEST_PASSPHRASE", "wrong")
    code, _, err = _run(
        capsys, *sign, "--passphrase-env", "STALKRISK_TEST_PASSPHRASE", str(ex01_file)
    )
    assert code == 1
    assert "the passphrase is wrong" in err
    assert "wrong" not in err.replace("the passphrase is wrong", "")
    assert not record.exists()


def test_cli_report_writes_a_signed_record(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, ex01_file: Path
) -> None:
    private, public = _keys_new(capsys, tmp_path)
    record_path, report_path = tmp_path / "record.json", tmp_path / "report.txt"
    code, out, err = _run(
        capsys,
        "report",
        str(ex01_file),
        "--context",
        "bail",
        "--record",
        str(record_path),
        "--sign-key",
        str(private),
        "-o",
        str(report_path),
    )
    assert code == 0, err
    assert f"written to {report_path}" in out
    record = AssessmentRecord.model_validate_json(record_path.read_text(encoding="utf-8"))
    assert record.signature is not None
    assert record.signature_status(PublicKey.load(public)) == "valid"
    assert verify(record, stalkrisk.load_example("EX-01"), public_key=PublicKey.load(public)) == []
    assert record.record_sha256 in report_path.read_text(encoding="utf-8")
    code, out, _ = _run(
        capsys, "verify", str(record_path), str(ex01_file), "--public-key", str(public)
    )
    assert code == 0
    assert out.splitlines()[1].startswith("authenticated:")
