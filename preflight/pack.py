"""Where the policy pack is, and `preflight pack-path` (print it, or copy it to a folder).

Installed from a wheel, the pack ships inside the distribution as `preflight/_pack` and is found with
importlib.resources. In a checkout (or an editable install) it is the repository's `policypack/`, so
`pulumi preview --policy-pack policypack` keeps working there.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from typing import Optional

from .errors import UsageError

_CHECKOUT_PACK = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "policypack")
# What a copy leaves out: the CLI's per-pack virtualenv and bytecode.
_IGNORE = shutil.ignore_patterns("venv", ".venv", "__pycache__", "*.pyc")


def _is_pack(path: str) -> bool:
    return os.path.isfile(os.path.join(path, "PulumiPolicy.yaml")) and os.path.isfile(os.path.join(path, "__main__.py"))


def installed_pack_dir() -> Optional[str]:
    """The pack shipped inside the installed distribution, or None (a checkout has none)."""
    from importlib.resources import files
    try:
        path = str(files("preflight") / "_pack")
    except (ModuleNotFoundError, TypeError):
        return None
    return path if _is_pack(path) else None


def default_pack_dir() -> str:
    """The pack `preflight check` and `preflight policies` use unless --policy-pack names another."""
    return installed_pack_dir() or _CHECKOUT_PACK


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "pack-path", help="print the policy pack's folder (for pulumi preview --policy-pack), or copy it",
        description="Print the folder of the policy pack that ships with Preflight, for "
                    "`pulumi preview --policy-pack \"$(preflight pack-path)\"`. With --copy DIR, copy the pack "
                    "into DIR (which must not exist or be empty) and print DIR: use that when the installed "
                    "folder is read-only, because the Pulumi CLI creates the pack's virtualenv inside it.")
    p.add_argument("--copy", metavar="DIR", help="copy the pack into DIR and print DIR")
    p.set_defaults(func=run)


def copy_pack(dest: str) -> str:
    source = default_pack_dir()
    dest = os.path.abspath(dest)
    if os.path.exists(dest):
        if not os.path.isdir(dest):
            raise UsageError(f"--copy {dest}: exists and is not a folder; name a new or empty folder")
        if os.listdir(dest):
            raise UsageError(f"--copy {dest}: the folder is not empty; name a new or empty folder "
                             "(Preflight never overwrites files)")
    try:
        shutil.copytree(source, dest, ignore=_IGNORE, dirs_exist_ok=True)
    except OSError as e:
        raise UsageError(f"--copy {dest}: cannot copy the policy pack: {e.strerror or e}; "
                         "name a folder you can write") from None
    return dest


def run(args: argparse.Namespace) -> int:
    source = default_pack_dir()
    if not _is_pack(source):
        raise UsageError(f"the policy pack is missing at {source}; reinstall Preflight (pip install preflight-aws)")
    path = copy_pack(args.copy) if args.copy else source
    sys.stdout.write(path + "\n")
    sys.stdout.flush()
    return 0
