#!/usr/bin/env bash
# Download (never install) the published wheels of the tools our compliance maps and cross-references are
# checked against: Prowler's framework maps (CIS AWS 3.0, AWS FSBP) and check list, and Checkov's check ids.
# tests/policypack/test_compliance_maps.py reads them as zip files; nothing of them runs or ships.
#
#   scripts/fetch-reference-wheels.sh     # into ~/.cache/preflight/reference (PREFLIGHT_REFERENCE_DIR overrides)
set -euo pipefail
DIR="${PREFLIGHT_REFERENCE_DIR:-$HOME/.cache/preflight/reference}"
PIP="${PIP:-python3 -m pip}"
mkdir -p "$DIR"
for spec in prowler==5.46.0 checkov==3.3.30; do
  wheel="${spec%%==*}-${spec##*==}-py3-none-any.whl"
  if [ -f "$DIR/$wheel" ]; then
    echo "fetch-reference-wheels: $wheel already in $DIR"
    continue
  fi
  $PIP download -q --no-deps --only-binary=:all: "$spec" -d "$DIR"
  echo "fetch-reference-wheels: downloaded $wheel into $DIR"
done
