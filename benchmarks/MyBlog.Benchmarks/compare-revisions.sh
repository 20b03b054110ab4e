#!/usr/bin/env bash
# The same work on two revisions of MyBlog, side by side: whole processes, alternating runs, one machine.
#   1. a full static build of 2,000 generated posts and publishing one more onto it (each revision's own
#      benchmark build, on the same corpus);
#   2. subscribe → welcome email visible, 50 sequential subscriptions, each revision's whole topology started in
#      turn (`dotnet run` on its AppHost), measured by this revision's client.
# Prints each run and the ratio of the medians (revision / base).
# Usage: benchmarks/MyBlog.Benchmarks/compare-revisions.sh <base-revision> [runs]   (nothing else on :8080/:8025)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(git -C "$here" rev-parse --show-toplevel)
base=${1:?usage: compare-revisions.sh <base-revision> [runs]}
runs=${2:-3}
work=$(mktemp -d -p "$( [ -d /dev/shm ] && echo /dev/shm || echo /tmp )")
apphost=""
cleanup() {
  if [ -n "$apphost" ]; then kill -INT -- "-$apphost" 2>/dev/null || true; wait "$apphost" 2>/dev/null || true; fi
  git -C "$root" worktree remove --force "$work/base" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

git -C "$root" worktree add --detach "$work/base" "$base" > /dev/null
# The emulators this checkout installed already serve the other one too.
for installed in dynamodb node_modules; do
  if [ -d "$root/emulators/$installed" ]; then cp -r "$root/emulators/$installed" "$work/base/emulators/"; fi
done
for tree in "$work/base" "$root"; do
  dotnet build -c Release "$tree/benchmarks/MyBlog.Benchmarks" -v q -nologo > /dev/null
  dotnet build -c Release "$tree/MyBlog.AppHost" -v q -nologo > /dev/null
done
bench() { dotnet "$1/benchmarks/MyBlog.Benchmarks/bin/Release/net10.0/MyBlog.Benchmarks.dll" "${@:2}"; }
bench "$root" generate "$work/corpus" 2000 > /dev/null

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

declare -A build publish subscribe
for run in $(seq 1 "$runs"); do
  for side in base head; do
    tree=$([ "$side" = base ] && echo "$work/base" || echo "$root")
    rm -rf "$work/out"
    full=$(bench "$tree" site-build "$work/corpus" "$work/out" | sed -n 's/.* in \([0-9]*\) ms.*/\1/p')
    one=$(bench "$tree" publish-one "$work/corpus" "$work/out" | sed -n 's/.*median \([0-9.]*\) ms.*/\1/p')
    build[$side]+="$full "
    publish[$side]+="$one "
    echo "run $run $side: full build $full ms, publish one $one ms"
  done
done

wait_for_site() {
  for _ in $(seq 1 240); do
    if curl -fs -o /dev/null http://127.0.0.1:8080/ && curl -fs -o /dev/null http://127.0.0.1:8025/; then return 0; fi
    sleep 1
  done
  echo "the site did not come up" >&2; return 1
}
for run in $(seq 1 "$runs"); do
  for side in base head; do
    tree=$([ "$side" = base ] && echo "$work/base" || echo "$root")
    (cd "$tree" && exec setsid dotnet run -c Release --no-build --project MyBlog.AppHost > "$work/apphost-$side.log" 2>&1) &
    apphost=$!
    wait_for_site
    p50=$(bench "$root" subscribe 50 | sed -n 's/.*p50 \([0-9]*\) ms.*/\1/p')
    # Ctrl+C, as a person stops it: the AppHost stops its resources; then wait for the ports to be free.
    kill -INT -- "-$apphost" 2>/dev/null || true
    wait "$apphost" 2>/dev/null || true
    apphost=""
    for _ in $(seq 1 60); do
      if ! curl -fs -o /dev/null http://127.0.0.1:8080/ && ! curl -fs -o /dev/null http://127.0.0.1:8025/; then break; fi
      sleep 1
    done
    sleep 2
    subscribe[$side]+="$p50 "
    echo "run $run $side: subscribe → email p50 $p50 ms"
  done
done

ratio() { awk -v h="$1" -v b="$2" 'BEGIN { printf "%.2f", h / b }'; }
report() {
  local b h
  b=$(echo "$2" | tr ' ' '\n' | grep . | median)
  h=$(echo "$3" | tr ' ' '\n' | grep . | median)
  echo "$1: $base median $b ms, this revision $h ms → ratio $(ratio "$h" "$b")"
}
report "full build of 2,000 posts" "${build[base]}" "${build[head]}"
report "publish one post onto 2,000" "${publish[base]}" "${publish[head]}"
report "subscribe → email p50" "${subscribe[base]}" "${subscribe[head]}"
