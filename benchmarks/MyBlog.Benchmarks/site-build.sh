#!/usr/bin/env bash
# Full static build of 2,000 generated posts: MyBlog's SiteBuilder against Hugo (Debian's hugo) on the same Markdown,
# whole processes, alternating; then publishing one more post onto the built site.
# MyBlog runs as the publish function ships: self-contained, ReadyToRun, with the workers' runtime settings
# (profile-guided tiering off, the server garbage collector).
# The last line is the ratio of the medians (MyBlog / Hugo), time and peak memory.
# Usage: benchmarks/MyBlog.Benchmarks/site-build.sh [count] [runs]   (needs Debian packages hugo and time)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
count=${1:-2000}
runs=${2:-5}
# On tmpfs when there is one: the comparison is of the two generators, not of the disk.
work=$(mktemp -d -p "$( [ -d /dev/shm ] && echo /dev/shm || echo /tmp )")
trap 'rm -rf "$work"' EXIT

dotnet publish -c Release -r linux-x64 --self-contained -p:PublishReadyToRun=true "$here" -o "$here/bin/ReadyToRun" -v q -nologo > /dev/null
bench="$here/bin/ReadyToRun/MyBlog.Benchmarks"
export DOTNET_gcServer=1 # the workers' collector (their runtimeconfig); the benchmark project's own is the workstation one
$bench generate "$work/corpus" "$count"

cp -r "$here/hugo" "$work/hugo"
mkdir -p "$work/hugo/content/posts"
cp "$work/corpus"/*.md "$work/hugo/content/posts/"

# Alternate the two so both see the same machine; /usr/bin/time measures each whole process the same way.
for run in $(seq 1 "$runs"); do
  rm -rf "$work/out-myblog" "$work/out-hugo"
  /usr/bin/time -o "$work/time" -f "%e %M" $bench site-build "$work/corpus" "$work/out-myblog" > /dev/null
  read -r seconds kb < "$work/time"; echo "$seconds $kb" >> "$work/myblog"
  echo "  MyBlog process: $seconds s wall, peak RSS $kb KB"
  /usr/bin/time -o "$work/time" -f "%e %M" hugo --quiet -s "$work/hugo" -d "$work/out-hugo"
  read -r seconds kb < "$work/time"; echo "$seconds $kb" >> "$work/hugo.times"
  echo "Hugo full build: $seconds s wall, peak RSS $kb KB"
done
echo "files: MyBlog $(find "$work/out-myblog" -type f | wc -l), Hugo $(find "$work/out-hugo" -type f | wc -l)"
$bench publish-one "$work/corpus" "$work/out-myblog"

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
mt=$(cut -d' ' -f1 "$work/myblog" | median); ht=$(cut -d' ' -f1 "$work/hugo.times" | median)
mm=$(cut -d' ' -f2 "$work/myblog" | median); hm=$(cut -d' ' -f2 "$work/hugo.times" | median)
awk -v mt="$mt" -v ht="$ht" -v mm="$mm" -v hm="$hm" -v n="$count" -v runs="$runs" 'BEGIN {
  printf "full build of %d posts, median of %d: MyBlog %.2f s, Hugo %.2f s → %.2f× Hugo'\''s time (memory %.2f×)\n", n, runs, mt, ht, mt / ht, mm / hm }'
