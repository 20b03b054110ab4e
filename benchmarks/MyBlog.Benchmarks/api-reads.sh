#!/usr/bin/env bash
# GET /api/posts straight to the API as the AppHost runs it (`dotnet run -c Release --project MyBlog.AppHost`: its
# settings, its traces to the dashboard; a Release build, as every benchmark here), with wrk at 64 connections, the
# edge's origin secret and a reader's address as CloudFront sends them; a fresh local blog with 12 published posts.
# A warm-up of 20 s (a running AppHost is warm), then [runs] runs of 10 s. Each run is followed by one of the floor:
# a Kestrel server with nothing in it (`MyBlog.Benchmarks bare-kestrel`, server GC as the API) answering the API's
# own bytes, on the same machine beside the same running topology — what no API beside it could beat.
# The last line is the median against the goal (30,000 requests/s, p99 under 5 ms), and the floor's beside it.
# Usage: benchmarks/MyBlog.Benchmarks/api-reads.sh [runs]   (needs Debian's wrk; nothing else on :8080)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=${1:-3}
work=$(mktemp -d)
apphost=""
bare=""
cleanup() {
  if [ -n "$bare" ]; then kill -TERM "$bare" 2>/dev/null || true; wait "$bare" 2>/dev/null || true; fi
  if [ -n "$apphost" ]; then
    kill -TERM "$apphost" 2>/dev/null || true; wait "$apphost" 2>/dev/null || true
    for _ in $(seq 1 60); do pgrep -f "^$root/MyBlog\.[A-Za-z]+/bin/" > /dev/null || break; sleep 1; done # its services stop too
  fi
  rm -rf "$work"
}
trap cleanup EXIT

dotnet build -c Release "$here" -v q -nologo > /dev/null
dotnet build -c Release "$root/MyBlog.AppHost" -v q -nologo > /dev/null
setsid dotnet run -c Release --no-build --project "$root/MyBlog.AppHost" > "$work/apphost.log" 2>&1 &
apphost=$!
for _ in $(seq 1 120); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' http://localhost:8080/)" = 200 ] && break
  sleep 2
done
dotnet "$here/bin/Release/net10.0/MyBlog.Benchmarks.dll" seed-posts http://localhost:8080 12

api=$(pgrep -f "^$root/MyBlog.Api/bin/" | head -1)
env_of() { tr '\0' '\n' < "/proc/$api/environ" | sed -n "s/^$1=//p"; }
url="$(env_of ASPNETCORE_URLS | cut -d';' -f1)/api/posts"
secret=$(env_of Edge__OriginSecret)
headers=(-H "X-MyBlog-Origin: $secret" -H "CloudFront-Viewer-Address: 127.0.0.1:443")
for _ in $(seq 1 60); do # the list index is eventually consistent: wait until it lists all twelve
  [ "$(curl -s "${headers[@]}" "$url?limit=12" | grep -o '"slug"' | wc -l)" = 12 ] && break
  sleep 1
done
echo "API at $url"
type=$(curl -sf "${headers[@]}" -o "$work/answer.json" -w '%{content_type}' "$url")
DOTNET_gcServer=1 DOTNET_TieredPGO=1 dotnet "$here/bin/Release/net10.0/MyBlog.Benchmarks.dll" bare-kestrel \
  "$work/answer.json" "$type" > "$work/bare.log" 2>&1 &
bare=$!
for _ in $(seq 1 60); do [ -s "$work/bare.log" ] && break; sleep 1; done # its address, once it listens
floor="$(head -n 1 "$work/bare.log")/api/posts"
cmp -s <(curl -s "$floor") "$work/answer.json" || { echo "the floor does not answer the API's bytes at $floor"; exit 1; }
echo "floor at $floor"

measure() {
  wrk -t2 -c64 -d"$1" --latency "${headers[@]}" "$2" | awk '
    /Requests\/sec/ { rps = $2 }
    /Non-2xx/ { bad = $NF }
    / 99%/ { v = $2; unit = v; gsub(/[0-9.]/, "", unit); sub(/[a-z]+$/, "", v);
             p99 = unit == "us" ? v / 1000 : unit == "s" ? v * 1000 : v }
    END { printf "%.0f %.2f %d\n", rps, p99, bad }'
}
measure 20s "$url" > /dev/null
measure 10s "$floor" > /dev/null
for run in $(seq 1 "$runs"); do
  read -r rps p99 bad < <(measure 10s "$url")
  [ "$bad" = 0 ] || { echo "run $run: $bad answers were not 2xx"; exit 1; }
  read -r floor_rps floor_p99 _ < <(measure 10s "$floor")
  echo "$rps $p99 $floor_rps $floor_p99" >> "$work/runs"
  echo "run $run: $rps req/s, p99 $p99 ms; the floor: $floor_rps req/s, p99 $floor_p99 ms"
done
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
rps=$(cut -d' ' -f1 "$work/runs" | median); p99=$(cut -d' ' -f2 "$work/runs" | median)
floor_rps=$(cut -d' ' -f3 "$work/runs" | median); floor_p99=$(cut -d' ' -f4 "$work/runs" | median)
awk -v rps="$rps" -v p99="$p99" -v runs="$runs" -v frps="$floor_rps" -v fp99="$floor_p99" 'BEGIN {
  printf "GET /api/posts, 64 connections, median of %d: %.0f req/s, p99 %.2f ms → %.2f× the goal'\''s 30,000 req/s, p99 %.2f× its 5 ms;", runs, rps, p99, rps / 30000, p99 / 5
  printf " a bare Kestrel server beside it: %.0f req/s, p99 %.2f ms (the API: %.2f× its rate, %.2f× its p99)\n", frps, fp99, rps / frps, p99 / fp99 }'
