#!/usr/bin/env bash
# Fetch the front-end files the product serves from the npm registry at pinned versions, into huitong/static/vendor.
# The results are committed, so neither a user nor CI needs npm; rerun this only to change a version.
set -euo pipefail
cd "$(dirname "$0")/.."
target=huitong/static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() {  # package@version, then the files to keep (paths inside the package), into $target/$3…
  local spec=$1 folder=$2
  shift 2
  (cd "$work" && npm pack --silent "$spec" >/dev/null && mkdir -p "$folder" && tar -xzf ./*.tgz -C "$folder" && rm ./*.tgz)
  mkdir -p "$target/$folder"
  for file in "$@"; do cp "$work/$folder/package/$file" "$target/$folder/"; done
  cp "$work/$folder/package/LICENSE"* "$target/$folder/" 2>/dev/null || true
}

fetch swagger-ui-dist@5.35.0 swagger-ui swagger-ui-bundle.js swagger-ui.css
fetch @tabler/core@1.6.1 tabler dist/css/tabler.min.css dist/js/tabler.min.js
fetch htmx.org@2.0.11 htmx dist/htmx.min.js
fetch alpinejs@3.17.4 alpine dist/cdn.min.js
fetch tom-select@2.6.2 tom-select dist/js/tom-select.complete.min.js dist/css/tom-select.bootstrap5.min.css
fetch sortablejs@1.15.7 sortable Sortable.min.js
fetch echarts@6.1.0 echarts dist/echarts.min.js
echo "vendored into $target"
