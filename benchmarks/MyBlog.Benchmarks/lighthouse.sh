#!/usr/bin/env bash
# Lighthouse's accessibility and best-practices scores for the home page, a post with code, a page and the editor's
# sign-in page, in the light and the dark colour scheme, against a running AppHost (dotnet run --project
# MyBlog.AppHost) with Debian's chromium. Lighthouse is installed from npm into a temporary folder; the post and the
# page are made through the admin API with an API key of the owner's (given, or made on a fresh blog by its
# one-time setup with the local setup code). Prints one line per page and scheme, then the lowest score on its last line.
# Usage: benchmarks/MyBlog.Benchmarks/lighthouse.sh [site] [api-key]
set -euo pipefail
site=${1:-http://localhost:8080}
token=${2:-}
if [ -z "$token" ]; then
  setup=$(curl -fsS -D - "$site/api/auth/setup" -H 'Content-Type: application/json' \
    -d '{"setupCode":"local-setup-code-change-me","email":"owner@example.com","name":"Lighthouse Owner"}')
  cookie=$(echo "$setup" | sed -n 's/^[Ss]et-[Cc]ookie: \(myblog-session=[^;]*\).*/\1/p')
  csrf=$(echo "$setup" | sed -n 's/.*"csrf":"\([^"]*\)".*/\1/p')
  token=$(curl -fsS "$site/api/admin/account/keys" -H "Cookie: $cookie" -H "X-MyBlog-CSRF: $csrf" -H 'Content-Type: application/json' \
    -d '{"name":"lighthouse"}' | sed -n 's/.*"key":"\([^"]*\)".*/\1/p')
fi
chromium=${MYBLOG_CHROMIUM:-/usr/bin/chromium}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm init -y > /dev/null && npm install lighthouse@12 --no-audit --no-fund --silent > /dev/null)

admin() { curl -fsS -X "$1" "$site$2" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' ${3:+-H "If-Match: $3"} ${4:+-d "$4"}; }
tag=$(date +%s)
post=$(admin POST /api/admin/posts '' "{\"title\":\"Lighthouse code $tag\",\"markdown\":\"Some code:\\n\\n\`\`\`csharp\\nvar answer = 42; // the answer\\nConsole.WriteLine(\\\"hello\\\");\\n\`\`\`\\n\",\"tags\":[\"lighthouse\"]}")
post_slug=$(echo "$post" | sed -n 's/.*"slug":"\([^"]*\)".*/\1/p')
admin POST "/api/admin/posts/$post_slug/publish?sendEmail=false" '"v1"' > /dev/null
page=$(admin POST /api/admin/posts '' "{\"title\":\"Lighthouse page $tag\",\"markdown\":\"Who writes here.\",\"kind\":\"page\",\"inNavigation\":true}")
page_slug=$(echo "$page" | sed -n 's/.*"slug":"\([^"]*\)".*/\1/p')
admin POST "/api/admin/posts/$page_slug/publish" '"v1"' > /dev/null
for path in "/posts/$post_slug/" "/$page_slug/"; do
  for _ in $(seq 1 60); do curl -fsS -o /dev/null "$site$path" && break; sleep 0.5; done
done

lowest=100
for path in / "/posts/$post_slug/" "/$page_slug/" /admin/; do
  for scheme in light dark; do
    [ "$scheme" = dark ] && preferred=0 || preferred=1
    CHROME_PATH=$chromium "$work/node_modules/.bin/lighthouse" "$site$path" --quiet --only-categories=accessibility,best-practices \
      --chrome-flags="--headless=new --no-sandbox --blink-settings=preferredColorScheme=$preferred" \
      --output=json --output-path="$work/report.json" > /dev/null 2>&1
    scores=$(node -e 'const r = require(process.argv[1]); const c = r.categories;
      const failed = Object.values(r.audits).filter(a => a.score !== null && a.score < 1 && a.scoreDisplayMode === "binary").map(a => a.id);
      console.log(Math.round(c.accessibility.score * 100), Math.round(c["best-practices"].score * 100), failed.join(","));' "$work/report.json")
    read -r a11y practices failed <<< "$scores"
    printf '%-40s %-5s accessibility %3s  best practices %3s  %s\n' "$path" "$scheme" "$a11y" "$practices" "${failed:-}"
    lowest=$(( a11y < lowest ? a11y : lowest )); lowest=$(( practices < lowest ? practices : lowest ))
  done
done
echo "lowest score $lowest"
