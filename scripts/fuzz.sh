#!/usr/bin/env bash
# Run every fuzzer in the tree for FUZZTIME each (make fuzz). Fuzzers are
# found rather than listed, so a new one is fuzzed without touching this
# file. go test -fuzz takes one fuzzer and one package per run, hence one
# run per fuzzer.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
FUZZTIME=${FUZZTIME:-30s}

# The test files go builds: not under testdata, vendor, or a directory
# whose name starts with . or _.
mapfile -t files < <(find . \( -name testdata -o -name vendor -o -name '.?*' -o -name '_*' \) -prune \
	-o -name '*_test.go' -print | sort)
runs=0
for f in "${files[@]}"; do
	for name in $(sed -n 's/^func \(Fuzz[[:alnum:]_]*\)(.*\*testing\.F).*/\1/p' "$f"); do
		echo "== $name ($(dirname "$f"))"
		"$GO" test -run '^$' -fuzz "^$name\$" -fuzztime "$FUZZTIME" "$(dirname "$f")/"
		runs=$((runs + 1))
	done
done
if [ "$runs" -eq 0 ]; then
	echo "no fuzzers found" >&2
	exit 1
fi
