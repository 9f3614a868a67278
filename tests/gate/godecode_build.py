"""Build tests/gate/godecode (Pulumi's own Go structs decoding a plan) once, cached by its sources.

The binary is cached under ~/.cache/preflight/ keyed by the hash of go.mod, go.sum and main.go, so a
session builds it at most once and later sessions reuse it. Modules come through the Go module
proxy (GOPROXY, default proxy.golang.org) into `go env GOMODCACHE`.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence

SOURCE = Path(__file__).parent / "godecode"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "preflight"


def source_hash() -> str:
    digest = hashlib.sha256()
    for name in ("go.mod", "go.sum", "main.go"):
        digest.update(name.encode() + b"\0" + (SOURCE / name).read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def build() -> Optional[Path]:
    """The path of the built binary; None when Go is not installed. Raises on a failed build."""
    go = shutil.which("go")
    if go is None:
        return None
    binary = CACHE / f"godecode-{source_hash()}"
    if binary.is_file() and os.access(binary, os.X_OK):
        return binary
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        out = Path(tmp) / "godecode"
        completed = subprocess.run([go, "build", "-mod=readonly", "-o", str(out), "."], cwd=SOURCE,
                                   capture_output=True, text=True, timeout=900)
        if completed.returncode != 0:
            raise RuntimeError(f"go build of {SOURCE} failed:\n{completed.stderr[-3000:]}")
        os.replace(out, binary)
    return binary


def decode(binary: Path, mode: str, files: Sequence[Path]) -> List[Dict]:
    """What Pulumi's Go structs see in each file: {"ok", "steps": {urn: [op]}, "error"}."""
    completed = subprocess.run([str(binary), mode, *map(str, files)], capture_output=True,
                               text=True, timeout=120, check=True)
    results = [json.loads(line) for line in completed.stdout.splitlines()]
    assert len(results) == len(files), completed.stderr
    return results
