#!/usr/bin/env bash
# The baseline for bench/sync.ts: what a person would script, one repo after another (clone, or fetch + switch + fast-forward).
# usage: sync-loop.sh WORKSPACE BRANCH name=url...
set -u
ws=$1; branch=$2; shift 2
for spec in "$@"; do
  name=${spec%%=*}; url=${spec#*=}; dir=$ws/$name
  if [ ! -d "$dir" ]; then
    if git ls-remote --exit-code --heads "$url" "$branch" >/dev/null; then b=$branch; else b=main; fi
    git clone -q --filter=blob:none --branch "$b" "$url" "$dir" || exit 1
  else
    cd "$dir" || exit 1
    [ -z "$(git status --porcelain)" ] || { echo "$name: dirty"; cd - >/dev/null; continue; }
    git fetch -q --prune origin || exit 1
    if git ls-remote --exit-code --heads origin "$branch" >/dev/null; then b=$branch; else b=main; fi
    git switch -q "$b" && git merge -q --ff-only "origin/$b" || exit 1
    cd - >/dev/null || exit 1
  fi
done
