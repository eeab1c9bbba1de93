"""Safe model files: a numpy ``.npz`` payload plus signed JSON metadata, never pickle.

A model named ``NAME`` is two files in the models dir:

* ``NAME.npz`` - arrays only, read with ``allow_pickle=False``; text parts (JSON state,
  LightGBM text models) are stored as UTF-8 byte arrays.
* ``NAME.meta.json`` - fincast version, format version, kind, training span, features,
  backtest metrics, the payload's sha256, and an HMAC-SHA256 signature over all of it,
  keyed by ``FINCAST_SECRET_KEY``.

Loading checks the signature, then the payload hash, then the format version, and raises
``ModelFileError`` naming what failed before any payload byte is interpreted. Listing checks
the same (payload hash included) and reports a failing file as invalid with the reason.
Both files are written 0600 in 0700 folders.

The pair is replaced crash-safely (each file is itself written by one rename): the payload
the current metadata signs is first kept as ``NAME.npz.prev-<sha>`` (a hard link), then the
new payload and the new metadata are renamed into place, the metadata last, and the kept
payload is removed. A reader whose ``NAME.npz`` does not match the signed hash takes the
kept payload when *its* hash matches, so a kill at any point leaves the previous model
loadable or the new one complete; a payload matching neither is refused as modified.
Without a configured ``FINCAST_SECRET_KEY`` the key is a random one kept in
``<data_dir>/secret.key`` (see ``Settings.signing_key``).
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import hmac
import io
import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from fincast import __version__
from fincast.config import get_settings, private_dir, write_private_file
from fincast.errors import InputError, ModelFileError

FORMAT_VERSION = 1
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def _key() -> bytes:
    return get_settings().signing_key()


def _canonical(meta: dict[str, Any]) -> bytes:
    body = {k: v for k, v in meta.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8")


def sign(meta: dict[str, Any]) -> str:
    """Return the HMAC-SHA256 hex signature of a metadata dict (without its signature)."""
    return hmac.new(_key(), _canonical(meta), hashlib.sha256).hexdigest()


def _paths(models_dir: Path, name: str) -> tuple[Path, Path]:
    if not _NAME_RE.match(name) or ".." in name:
        raise InputError(f"model name {name!r} may only hold letters, digits, '_', '-', '.'")
    return models_dir / f"{name}.npz", models_dir / f"{name}.meta.json"


def save_model_file(
    models_dir: str | Path,
    name: str,
    kind: str,
    arrays: dict[str, np.ndarray],
    meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write ``name.npz`` and its signed ``name.meta.json``; return the metadata."""
    directory = private_dir(Path(models_dir))
    payload_path, meta_path = _paths(directory, name)
    for key, value in arrays.items():
        if np.asarray(value).dtype == object:
            raise ModelFileError(f"model array {key!r} holds Python objects; refusing to save")
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]
    payload = buf.getvalue()
    full: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "format_version": FORMAT_VERSION,
        "fincast_version": __version__,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "payload": payload_path.name,
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
        **(meta or {}),
    }
    full["signature"] = sign(full)
    text = json.dumps(full, indent=2, sort_keys=True, default=str)
    _keep_current_payload(directory, name)
    write_private_file(payload_path, payload)
    write_private_file(meta_path, text.encode("utf-8"))  # the commit point: renamed last
    _remove_kept_payloads(directory, name)
    return full


def _kept_path(models_dir: Path, name: str, sha256: str) -> Path:
    return models_dir / f"{name}.npz.prev-{sha256[:32]}"


def _keep_current_payload(models_dir: Path, name: str) -> None:
    """Keep the payload the current metadata signs under a name of its own (its hash)."""
    try:
        meta = read_metadata(models_dir, name)
    except ModelFileError:
        return  # no valid model yet: nothing to keep
    sha = str(meta.get("payload_sha256"))
    kept = _kept_path(models_dir, name, sha)
    if kept.exists():
        return  # kept by an earlier write that was killed before its metadata
    payload_path, _ = _paths(models_dir, name)
    try:
        current = payload_path.read_bytes()
    except OSError:
        return
    if hashlib.sha256(current).hexdigest() != sha:
        return  # not the signed payload: nothing worth keeping
    try:
        os.link(payload_path, kept)
    except OSError:
        write_private_file(kept, current)  # no hard links here: an atomic copy


def _remove_kept_payloads(models_dir: Path, name: str) -> None:
    for kept in models_dir.glob(f"{glob.escape(name)}.npz.prev-*"):
        with contextlib.suppress(OSError):
            kept.unlink()


def read_metadata(models_dir: str | Path, name: str) -> dict[str, Any]:
    """Read and verify a model's metadata (signature and format), without the payload."""
    _, meta_path = _paths(Path(models_dir), name)
    if not meta_path.exists():
        raise ModelFileError(f"model {name!r}: metadata file {meta_path} not found")
    try:
        meta = json.loads(meta_path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"model {name!r}: metadata is not valid JSON ({exc})") from exc
    if not isinstance(meta, dict) or "signature" not in meta:
        raise ModelFileError(f"model {name!r}: metadata has no signature")
    if not hmac.compare_digest(str(meta["signature"]), sign(meta)):
        raise ModelFileError(
            f"model {name!r}: signature mismatch - the file was modified or signed with "
            "another FINCAST_SECRET_KEY; retrain it"
        )
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"model {name!r}: format version {meta.get('format_version')} is not supported "
            f"(this fincast reads version {FORMAT_VERSION}); retrain it"
        )
    return meta


def _verified_payload(models_dir: Path, name: str, meta: dict[str, Any]) -> bytes:
    """Read the payload and check it against the signed hash in ``meta``."""
    payload_path, _ = _paths(models_dir, name)
    signed = str(meta.get("payload_sha256"))
    try:
        payload = payload_path.read_bytes()
    except OSError as exc:
        raise ModelFileError(f"model {name!r}: payload unreadable ({exc})") from exc
    if hmac.compare_digest(hashlib.sha256(payload).hexdigest(), signed):
        return payload
    # A write killed between the new payload and its metadata: the signed payload was kept.
    with contextlib.suppress(OSError):
        kept = _kept_path(models_dir, name, signed).read_bytes()
        if hmac.compare_digest(hashlib.sha256(kept).hexdigest(), signed):
            return kept
    raise ModelFileError(f"model {name!r}: payload hash mismatch - the file was modified")


def load_model_file(
    models_dir: str | Path, name: str, kind: str | None = None
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Verify and load a model file; return ``(metadata, arrays)``."""
    meta = read_metadata(models_dir, name)
    if kind is not None and meta.get("kind") != kind:
        raise ModelFileError(f"model {name!r} is a {meta.get('kind')!r} model, not {kind!r}")
    payload = _verified_payload(Path(models_dir), name, meta)
    try:
        with np.load(io.BytesIO(payload), allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (ValueError, OSError) as exc:
        raise ModelFileError(f"model {name!r}: payload is not a valid array file ({exc})") from exc
    return meta, arrays


def list_models(models_dir: str | Path) -> list[dict[str, Any]]:
    """List the model files in a directory with their metadata and a ``valid`` flag.

    Each file's signature, format and payload hash are checked; one that fails is listed
    with ``valid: False`` and the reason in ``error``.
    """
    directory = Path(models_dir)
    if not directory.exists():
        return []
    out = []
    for meta_path in sorted(directory.glob("*.meta.json")):
        name = meta_path.name[: -len(".meta.json")]
        try:
            meta = read_metadata(directory, name)
            _verified_payload(directory, name, meta)
            out.append({**meta, "valid": True, "error": None})
        except (ModelFileError, InputError) as exc:
            out.append({"name": name, "valid": False, "error": str(exc)})
    return out
