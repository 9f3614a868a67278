#!/usr/bin/env bash
# Build a pinned Pulumi CLI from Pulumi's published Go modules, cached by version.
#
#   scripts/build-pulumi-cli.sh            # builds (or reuses) the pinned version
#   PULUMI_CLI_VERSION=v3.276.0 scripts/build-pulumi-cli.sh
#
# Output: ~/.cache/preflight/pulumi/<version>/bin/pulumi (override the root with
# PREFLIGHT_PULUMI_CACHE). A rerun with a cached binary does nothing and prints its path.
#
# Why a wrapper module: `go install .../cmd/pulumi@vX` is refused because pkg/go.mod has
# replace directives, and a module's replace lines apply only inside that module. The
# wrapper requires pkg/v3 and sdk/v3 at one release and copies the one replacement that
# release builds carry (the atotto/clipboard fork).
#
# The Python language host (github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3)
# is tried too; the Go module proxy on this kind of machine refuses it (403 "This module version
# is not available": the module has no tags, so only a pseudo-version could exist). Without it the
# real-CLI tests supply a stand-in language host (tests/realcli/standin_langhost.py). In v3.276 a
# directory policy pack is always started through the python language runtime (no more
# `pulumi-analyzer-policy-python` fallback), so some host is required for `--policy-pack DIR`.
set -euo pipefail

VERSION="${PULUMI_CLI_VERSION:-v3.276.0}"
CACHE_ROOT="${PREFLIGHT_PULUMI_CACHE:-$HOME/.cache/preflight/pulumi}"
OUT="$CACHE_ROOT/$VERSION"
BIN="$OUT/bin"
HERE="$(cd "$(dirname "$0")" && pwd)"

if ! command -v go >/dev/null 2>&1; then
  echo "build-pulumi-cli: Go is not installed; install Go >= 1.26 to build the Pulumi CLI tier (everything else runs without it)." >&2
  exit 2
fi

if [ -x "$BIN/pulumi" ] && [ -f "$OUT/ok" ]; then
  echo "$BIN/pulumi"
  exit 0
fi

mkdir -p "$OUT/src" "$BIN"
cd "$OUT/src"
cat > go.mod <<MOD
module preflight.local/pulumi-cli

go 1.26

require (
	github.com/pulumi/pulumi/pkg/v3 $VERSION
	github.com/pulumi/pulumi/sdk/v3 $VERSION
)

// The clipboard fork Pulumi's own release builds use (pkg/go.mod, sdk/go.mod).
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
MOD
cat > tools.go <<'GO'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
GO

export GOFLAGS="${GOFLAGS:-} -mod=mod"
export CGO_ENABLED=0
start=$(date +%s)
echo "build-pulumi-cli: resolving modules for $VERSION" >&2
go mod tidy >&2
LDFLAGS="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$VERSION"
TAGS="osusergo,grpcnotrace"
PAR="${PULUMI_BUILD_PARALLEL:-1}"
echo "build-pulumi-cli: building pulumi (go build -p $PAR)" >&2
nice -n "${PULUMI_BUILD_NICE:-15}" go build -p "$PAR" -trimpath -tags "$TAGS" -ldflags "$LDFLAGS" \
  -o "$BIN/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2

# The language host, if the proxy serves it (by the release's version or commit).
if [ -z "${PULUMI_SKIP_LANGUAGE_HOST:-}" ]; then
  LH=github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3
  if go mod download -json "$LH@$VERSION" >"$OUT/language-host.json" 2>&1; then
    go get "$LH@$VERSION" >&2 && \
    nice -n "${PULUMI_BUILD_NICE:-15}" go build -p "$PAR" -trimpath -tags "$TAGS" -ldflags "$LDFLAGS" \
      -o "$BIN/pulumi-language-python" "$LH" >&2 && \
    true
  else
    echo "build-pulumi-cli: language host not available from the module proxy: $(tr '\n' ' ' <"$OUT/language-host.json" | head -c 300)" >&2
  fi
fi

# The program executor the language host runs (`python pulumi-language-python-exec ...`); it ships
# in the sdk/v3 module zip. The real-CLI tests' stand-in host uses it when Pulumi's host is missing.
cp "$(go env GOMODCACHE)/github.com/pulumi/pulumi/sdk/v3@$VERSION/python/cmd/pulumi-language-python-exec" "$BIN/"
chmod 0644 "$BIN/pulumi-language-python-exec"

"$BIN/pulumi" version >&2
end=$(date +%s)
echo "build-pulumi-cli: built $VERSION in $((end - start))s" >&2
echo "$((end - start))" > "$OUT/build-seconds"
touch "$OUT/ok"
echo "$BIN/pulumi"
