#!/usr/bin/env bash
# Full static build of 2,000 generated posts: MyBlog's SiteBuilder against Hugo (Debian's hugo) on the same Markdown.
# Usage: benchmarks/MyBlog.Benchmarks/site-build.sh [count]   (needs Debian packages hugo and time)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
count=${1:-2000}
# On tmpfs when there is one: the comparison is of the two generators, not of the disk.
work=$(mktemp -d -p "$( [ -d /dev/shm ] && echo /dev/shm || echo /tmp )")
trap 'rm -rf "$work"' EXIT

dotnet build -c Release "$here" -v q -nologo > /dev/null
bench="dotnet $here/bin/Release/net10.0/MyBlog.Benchmarks.dll"
$bench generate "$work/corpus" "$count"

cp -r "$here/hugo" "$work/hugo"
mkdir -p "$work/hugo/content/posts"
cp "$work/corpus"/*.md "$work/hugo/content/posts/"

# Alternate the two so both see the same machine; /usr/bin/time measures each whole process the same way.
for run in 1 2 3 4 5; do
  rm -rf "$work/out-myblog" "$work/out-hugo"
  /usr/bin/time -f "  MyBlog process: %e s wall, peak RSS %M KB" $bench site-build "$work/corpus" "$work/out-myblog"
  /usr/bin/time -f "Hugo full build: %e s wall, peak RSS %M KB" hugo --quiet -s "$work/hugo" -d "$work/out-hugo"
done
echo "files: MyBlog $(find "$work/out-myblog" -type f | wc -l), Hugo $(find "$work/out-hugo" -type f | wc -l)"
$bench publish-one "$work/corpus" "$work/out-myblog"
