#!/usr/bin/env bash
# Runs the client comparison (a few minutes with the defaults) and writes
# the report to results.md beside this script. Flags are passed on to
# ./cmd/compare; see `go run ./cmd/compare -h`.
set -euo pipefail
cd "$(dirname "$0")"
go build -o "${TMPDIR:-/tmp}/requests3-compare" ./cmd/compare
exec "${TMPDIR:-/tmp}/requests3-compare" -out results.md "$@"
