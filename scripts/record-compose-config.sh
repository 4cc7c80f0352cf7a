#!/usr/bin/env bash
# Re-records test/fixtures/compose/*/expected-config.yaml (the corpus) and
# test/fixtures/compose-config/*/expected-config.yaml (long forms and defaults) from the real Docker
# Compose:
#   scripts/record-compose-config.sh /path/to/docker-compose
# Each folder is read as test/compose-corpus.test.ts reads it (corpusRequest): in its folder, the
# files Compose picks there (compose.yaml or docker-compose.yml, with its override file), the folder's
# .env, no profile and an empty environment (env -i). The folder's absolute path is written ${DIR}.
# A folder Compose refuses gets no recording (its old one is removed) and is named on stderr.
# `config` needs no engine; the binary can be the standalone docker-compose (Compose v5.6.0 here).
set -euo pipefail

compose=$(realpath "${1:?usage: $0 /path/to/docker-compose}")
fixtures=$(cd "$(dirname "$0")/../test/fixtures" && pwd)
refused=0
for dir in "$fixtures"/compose/*/ "$fixtures"/compose-config/*/; do
  dir=${dir%/}
  out=$(mktemp)
  if (cd "$dir" && env -i "$compose" config >"$out" 2>"$out.err"); then
    # Compose prints the path as it is; no corpus path holds a character sed would read.
    sed "s#$dir#\${DIR}#g" "$out" >"$dir/expected-config.yaml"
  else
    echo "refused: $(basename "$dir"): $(cat "$out.err")" >&2
    rm -f "$dir/expected-config.yaml"
    refused=$((refused + 1))
  fi
  rm -f "$out" "$out.err"
done
echo "recorded $(ls "$fixtures"/compose*/*/expected-config.yaml | wc -l) folders with $("$compose" version --short); $refused refused"
