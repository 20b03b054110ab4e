#!/usr/bin/env bash
# Static page requests/s and p99 through the edge (cache warm, Release build) against nginx serving the same files,
# with wrk at 64 connections, with and without gzip. Needs a running AppHost (for the S3 emulator) and Debian's
# nginx-light, wrk and hugo-free corpus from site-build (this script builds one).
# Usage: benchmarks/MyBlog.Benchmarks/edge-vs-nginx.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d -p "$( [ -d /dev/shm ] && echo /dev/shm || echo /tmp )")
chmod 755 "$work" # nginx's workers run as www-data
s3pid=$(pgrep -f 'node s3.mjs' | head -1) || { echo "start the AppHost first (dotnet run --project MyBlog.AppHost)"; exit 1; }
s3port=$(tr '\0' '\n' < "/proc/$s3pid/environ" | sed -n 's/^PORT=//p')

dotnet build -c Release "$here" -v q -nologo > /dev/null
dotnet build -c Release "$root/MyBlog.Web" -v q -nologo > /dev/null
bench="dotnet $here/bin/Release/net10.0/MyBlog.Benchmarks.dll"
$bench generate "$work/corpus" 2000 > /dev/null
$bench site-build "$work/corpus" "$work/site"
$bench upload "$work/site" "http://127.0.0.1:$s3port"

(cd "$root/MyBlog.Web/bin/Release/net10.0" && ASPNETCORE_URLS=http://127.0.0.1:8090 ASPNETCORE_ENVIRONMENT=Production \
  Aws__S3ServiceUrl=http://127.0.0.1:$s3port AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER Logging__LogLevel__Default=Warning \
  exec dotnet MyBlog.Web.dll) > "$work/edge.log" 2>&1 &
edge=$!
sed "s#@ROOT@#$work/site#; s#@PID@#$work/nginx.pid#; s#@LOG@#$work/nginx.log#" "$here/nginx.conf" > "$work/nginx.conf"
nginx -c "$work/nginx.conf"
trap 'kill $edge; kill $(cat "$work/nginx.pid"); rm -rf "$work"' EXIT
sleep 3
for port in 8090 8091; do # both must serve the page (and the edge's cache is warm after this)
  status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/posts/post-1/")
  [ "$status" = 200 ] || { echo "port $port answered $status"; exit 1; }
done

for encoding in gzip identity; do
  for target in "edge 8090" "nginx 8091" "edge 8090" "nginx 8091"; do
    set -- $target
    printf '%-6s %-9s ' "$1" "$encoding"
    wrk -t2 -c64 -d10s --latency -H "Accept-Encoding: $encoding" "http://127.0.0.1:$2/posts/post-1/" \
      | awk '/Requests\/sec/ {rps=$2} / 99%/ {p99=$2} END {print rps " req/s, p99 " p99}'
  done
done
