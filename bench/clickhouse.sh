#!/usr/bin/env bash
# ClickHouse benchmark: `dubql load` throughput (MB/s of NDJSON) into the local chDB front
# (Tests/ClickHouse/chdb_http.py), then q1 through ClickHouse and through the local engine.
#
#   bench/clickhouse.sh [CLICKS]        (default 1000000; needs python3 with chdb)
#
# It builds dubql in release mode, unless DUBQL names a dubql binary to measure.
# Everything lives in a temporary directory that is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-1000000}
NOW=2026-08-18T12:00:00Z
if [ -z "${DUBQL:-}" ]; then
    swift build -c release --product dubql >/dev/null
    DUBQL=$(swift build -c release --show-bin-path)/dubql
fi
WORK=$(mktemp -d)
FRONT_PID=
cleanup() {
    if [ -n "$FRONT_PID" ]; then kill "$FRONT_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

python3 Tests/ClickHouse/chdb_http.py --port 0 --path "$WORK/chdb" --exit-with-parent >"$WORK/front.out" 2>"$WORK/front.err" &
FRONT_PID=$!
for _ in $(seq 100); do [ -s "$WORK/front.out" ] && break; sleep 0.1; done
URL=$(head -1 "$WORK/front.out")
echo "chDB front: $URL ($(python3 -c 'import chdb; print("chDB", chdb.__version__, "= ClickHouse", chdb.engine_version)'))"

"$DUBQL" generate --event clicks --count "$COUNT" --seed 1 --days 30 --end "$NOW" --output "$WORK/clicks.ndjson"
BYTES=$(stat -c %s "$WORK/clicks.ndjson")
echo "clicks.ndjson: $COUNT clicks, $((BYTES / 1000000)) MB"

# Wall time of a command, in seconds.
seconds() {
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l
}

LOAD=$(seconds "$DUBQL" load --quiet --clickhouse "$URL" --database dub "$WORK/clicks.ndjson" 2>/dev/null)
printf 'dubql load: %.2f s, %.1f MB/s, %.0f events/s\n' "$LOAD" "$(echo "$BYTES / 1000000 / $LOAD" | bc -l)" "$(echo "$COUNT / $LOAD" | bc -l)"
AGAIN=$(seconds "$DUBQL" load --quiet --clickhouse "$URL" --database dub "$WORK/clicks.ndjson" 2>/dev/null)
printf 'dubql load again (every event already there): %.2f s\n' "$AGAIN"

Q1="SELECT clicks WHERE country IN (DE, FR, NL) AND NOT device = Mobile SINCE 7d LIMIT 100"
# The median of 7 runs of one command.
median() {
    local runs=()
    for _ in 1 2 3 4 5 6 7; do runs+=("$(seconds "$@")"); done
    printf '%s\n' "${runs[@]}" | sort -n | sed -n 4p
}
CH=$(median "$DUBQL" query "$Q1" --now "$NOW" --format ndjson --clickhouse "$URL" --database dub)
printf 'q1 through ClickHouse (dubql query, process start to last row): %.0f ms\n' "$(echo "$CH * 1000" | bc -l)"
LOCAL=$(median "$DUBQL" query "$Q1" --now "$NOW" --format ndjson --data "$WORK/clicks.ndjson")
printf 'q1 on the local engine (dubql query --data, loading the file included): %.0f ms\n' "$(echo "$LOCAL * 1000" | bc -l)"
# The same events in the same order: compare the ids of q1's rows on both backends.
ids() { python3 -c 'import sys, json
for l in sys.stdin: print(json.loads(l)["click"]["id"])'; }
CH_IDS=$("$DUBQL" query "$Q1" --now "$NOW" --format ndjson --clickhouse "$URL" --database dub | ids)
LOCAL_IDS=$("$DUBQL" query "$Q1" --now "$NOW" --format ndjson --data "$WORK/clicks.ndjson" | ids)
SAME=$([ "$CH_IDS" = "$LOCAL_IDS" ] && echo "the same" || echo "DIFFERENT")
echo "q1 rows: $(echo "$CH_IDS" | wc -l); both backends return $SAME events in the same order"

# An aggregate: the count by country over the whole range, in ClickHouse and on the local engine.
AGG="SELECT country, count() AS clicks FROM clicks GROUP BY country ORDER BY clicks DESC SINCE all"
CH=$(median "$DUBQL" query "$AGG" --now "$NOW" --format ndjson --clickhouse "$URL" --database dub)
printf 'count by country through ClickHouse (dubql query, process start to last row): %.0f ms\n' "$(echo "$CH * 1000" | bc -l)"
LOCAL=$(median "$DUBQL" query "$AGG" --now "$NOW" --format ndjson --data "$WORK/clicks.ndjson")
printf 'count by country on the local engine (dubql query --data, loading the file included): %.0f ms\n' "$(echo "$LOCAL * 1000" | bc -l)"
CH_ROWS=$("$DUBQL" query "$AGG" --now "$NOW" --format ndjson --clickhouse "$URL" --database dub)
LOCAL_ROWS=$("$DUBQL" query "$AGG" --now "$NOW" --format ndjson --data "$WORK/clicks.ndjson")
SAME=$([ "$CH_ROWS" = "$LOCAL_ROWS" ] && echo "the same" || echo "DIFFERENT")
echo "count by country: $(echo "$CH_ROWS" | wc -l) groups; both backends return $SAME rows"
