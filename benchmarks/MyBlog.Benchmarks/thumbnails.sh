#!/usr/bin/env bash
# A 12-megapixel camera JPEG (orientation 6, GPS) → all eight variants: MyBlog's ThumbnailGenerator (ImageSharp)
# against libvips (NetVips, in the benchmark project only) doing the same work, whole processes, alternating. Each
# process warms up, then times seven runs (median) and reports its peak RSS. MyBlog runs as the functions ship:
# ReadyToRun, profile-guided tiering off, the server garbage collector (the workers' runtimeconfig; the benchmark
# project's own is the workstation one).
# The last line is the ratio of the medians (MyBlog / libvips), time and peak memory.
# Usage: benchmarks/MyBlog.Benchmarks/thumbnails.sh [runs]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runs=${1:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

dotnet publish -c Release -r linux-x64 --self-contained -p:PublishReadyToRun=true "$here" -o "$here/bin/ReadyToRun" -v q -nologo > /dev/null
bench="$here/bin/ReadyToRun/MyBlog.Benchmarks"
$bench photo "$work/photo.jpg" > /dev/null
for run in $(seq 1 "$runs"); do
  for engine in imagesharp libvips; do
    gc_server=$([ "$engine" = imagesharp ] && echo 1 || echo 0) # libvips's process keeps the leaner workstation one
    line=$(DOTNET_gcServer=$gc_server $bench thumbnails "$engine" "$work/photo.jpg")
    echo "$line"
    echo "$line" | sed -n 's/.*median \([0-9]*\) ms.*peak RSS \([0-9]*\) MB.*/\1 \2/p' >> "$work/$engine"
  done
done
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
it=$(cut -d' ' -f1 "$work/imagesharp" | median); vt=$(cut -d' ' -f1 "$work/libvips" | median)
im=$(cut -d' ' -f2 "$work/imagesharp" | median); vm=$(cut -d' ' -f2 "$work/libvips" | median)
awk -v it="$it" -v vt="$vt" -v im="$im" -v vm="$vm" -v runs="$runs" 'BEGIN {
  printf "12 MP JPEG → 8 variants, median of %d processes: MyBlog %d ms %d MB, libvips %d ms %d MB → %.2f× libvips'\''s time, %.2f× its memory\n", runs, it, im, vt, vm, it / vt, im / vm }'
