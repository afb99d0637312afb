#!/usr/bin/env bash
# First-run wall time of `make run` on fresh clones of two revisions (default: 24eaa42, the
# commit before the light runtime, and HEAD). Run it with pip's cache warm for both, so the
# figures compare what is installed, not the network. Usage: bench/time_make_run.sh [OLD [NEW]]
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
for rev in "${1:-24eaa42}" "${2:-HEAD}"; do
  dir=$(mktemp -d /tmp/make-run-XXXX)
  git clone -q "$repo" "$dir" && git -C "$dir" checkout -q "$(git -C "$repo" rev-parse "$rev")"
  start=$(date +%s.%N)
  (cd "$dir" && make run > "$dir.log" 2>&1); status=$?
  end=$(date +%s.%N)
  echo "$rev: make run exit $status, wall $(echo "$end - $start" | bc) s, .venv $(du -sm "$dir/.venv" | cut -f1) MB"
  rm -rf "$dir"
done
