#!/usr/bin/env bash
# Static page requests/s and p99 through the edge (cache warm, Release build) against nginx serving the same files,
# with wrk at 64 connections, with and without gzip, alternating runs. The edge fills its cache from its own S3
# emulator (the one the AppHost runs, started here alone), so nothing else competes for the cores.
# Needs Debian's nginx-light, wrk and the emulators' node modules (any test or AppHost run installs them).
# The last line is the ratio of the identity runs' medians (edge / nginx), requests/s and p99.
# Usage: benchmarks/MyBlog.Benchmarks/edge-vs-nginx.sh [runs]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=${1:-3}
work=$(mktemp -d -p "$( [ -d /dev/shm ] && echo /dev/shm || echo /tmp )")
chmod 755 "$work" # nginx's workers run as www-data
[ -d "$root/emulators/node_modules" ] || npm ci --prefix "$root/emulators" --no-audit --no-fund > /dev/null
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
s3port=$(free_port)
(cd "$root/emulators" && PORT=$s3port S3_DIRECTORY="$work/s3" S3_BUCKETS=myblog-site,myblog-media exec node s3.mjs) > "$work/s3.log" 2>&1 &
s3=$!
edge=""; nginx_started=""
cleanup() {
  [ -n "$edge" ] && kill "$edge" 2>/dev/null || true
  [ -n "$nginx_started" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  kill "$s3" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

dotnet build -c Release "$here" -v q -nologo > /dev/null
dotnet build -c Release "$root/MyBlog.Web" -v q -nologo > /dev/null
bench="dotnet $here/bin/Release/net10.0/MyBlog.Benchmarks.dll"
$bench generate "$work/corpus" 2000 > /dev/null
$bench site-build "$work/corpus" "$work/site" > /dev/null
$bench upload "$work/site" "http://127.0.0.1:$s3port"

(cd "$root/MyBlog.Web/bin/Release/net10.0" && ASPNETCORE_URLS=http://127.0.0.1:8090 ASPNETCORE_ENVIRONMENT=Production \
  Aws__S3ServiceUrl=http://127.0.0.1:$s3port AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER Logging__LogLevel__Default=Warning \
  exec dotnet MyBlog.Web.dll) > "$work/edge.log" 2>&1 &
edge=$!
sed "s#@ROOT@#$work/site#; s#@PID@#$work/nginx.pid#; s#@LOG@#$work/nginx.log#" "$here/nginx.conf" > "$work/nginx.conf"
nginx -c "$work/nginx.conf"
nginx_started=1
sleep 3
for port in 8090 8091; do # both must serve the page (and the edge's cache is warm after this)
  status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/posts/post-1/")
  [ "$status" = 200 ] || { echo "port $port answered $status"; exit 1; }
done

# p99 in milliseconds, whatever unit wrk chose.
measure() {
  wrk -t2 -c64 -d10s --latency -H "Accept-Encoding: $2" "http://127.0.0.1:$1/posts/post-1/" | awk '
    /Requests\/sec/ { rps = $2 }
    / 99%/ { v = $2; unit = v; gsub(/[0-9.]/, "", unit); sub(/[a-z]+$/, "", v);
             p99 = unit == "us" ? v / 1000 : unit == "s" ? v * 1000 : v }
    END { printf "%.0f %.2f\n", rps, p99 }'
}
for encoding in gzip identity; do
  for run in $(seq 1 "$runs"); do
    for target in "edge 8090" "nginx 8091"; do
      set -- $target
      read -r rps p99 < <(measure "$2" "$encoding")
      echo "$rps $p99" >> "$work/$1-$encoding"
      printf '%-6s %-9s %s req/s, p99 %s ms\n' "$1" "$encoding" "$rps" "$p99"
    done
  done
done

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
for side in edge nginx; do
  declare "${side}_rps=$(cut -d' ' -f1 "$work/$side-identity" | median)"
  declare "${side}_p99=$(cut -d' ' -f2 "$work/$side-identity" | median)"
done
awk -v er="$edge_rps" -v nr="$nginx_rps" -v ep="$edge_p99" -v np="$nginx_p99" -v runs="$runs" 'BEGIN {
  printf "a static page, identity, median of %d: edge %.0f req/s p99 %.2f ms, nginx %.0f req/s p99 %.2f ms → %.2f× nginx'\''s requests/s, p99 %.2f× nginx'\''s\n", runs, er, ep, nr, np, er / nr, ep / np }'
