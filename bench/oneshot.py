#!/usr/bin/env python3
"""One-shot queries on a big export: `dubql query --data FILE` against DuckDB's read_ndjson.

    bench/oneshot.py [--count 1000000] [--days 90] [--rounds 3] [--keep FILE] [--cases TEXT]

Generates COUNT clicks (newest first, as Dub exports them; 1M is about 1.9 GB) in a temporary
directory, then runs every case through `dubql query` (release build, or $DUBQL) and, when the
Python package duckdb is installed, through DuckDB's read_ndjson over the same file, interleaved
round by round. Prints the median time of each, the ratio dubql/DuckDB, and checks that both give
the same answer (the ids of the rows, in order, or the groups). The file is deleted at the end
unless --keep names where to leave it (an existing file there is reused). --cases runs only the
cases whose name contains TEXT (`--cases count`: the aggregates).
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time
from datetime import datetime, timedelta, timezone

NOW = "2026-12-01T12:00:00Z"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


NOW_DT = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)
SINCE_30D = iso(NOW_DT - timedelta(days=30))
LISTING = "SELECT click.id AS id FROM read_ndjson('{f}') WHERE {where} ORDER BY click.timestamp {dir}, click.id {dir} LIMIT {n}"

# name, DubQL, DuckDB SQL ({f} is the file), kind
CASES = [
    ("q1: IN + NOT, SINCE 30d, LIMIT 100",
     "SELECT clicks WHERE country IN (US, DE) AND NOT browser = Chrome SINCE 30d LIMIT 100",
     LISTING.format(f="{f}", where=f"click.country IN ('US', 'DE') AND click.browser IS DISTINCT FROM 'Chrome' AND click.timestamp >= '{SINCE_30D}'", dir="DESC", n=100),
     "rows"),
    ("rare AND, LIMIT 10",
     "SELECT clicks WHERE city = 'Cape Town' AND browser = Arc SINCE all LIMIT 10",
     LISTING.format(f="{f}", where="click.city = 'Cape Town' AND click.browser = 'Arc'", dir="DESC", n=10),
     "rows"),
    ("city = 'San Jose' SINCE all",
     "SELECT clicks WHERE city = 'San Jose' SINCE all",
     LISTING.format(f="{f}", where="click.city = 'San Jose'", dir="DESC", n=100),
     "rows"),
    ("OR across fields, all time",
     "SELECT clicks WHERE city = Lagos OR browser = Instagram SINCE all",
     LISTING.format(f="{f}", where="click.city = 'Lagos' OR click.browser = 'Instagram'", dir="DESC", n=100),
     "rows"),
    ("full scan: oldest 100 in San Jose",
     "SELECT clicks WHERE city = 'San Jose' SINCE all ORDER BY timestamp ASC LIMIT 100",
     LISTING.format(f="{f}", where="click.city = 'San Jose'", dir="ASC", n=100),
     "rows"),
    ("full scan: count by country",
     "SELECT country, count() FROM clicks GROUP BY country SINCE all",
     "SELECT click.country AS country, count(*) AS n FROM read_ndjson('{f}') GROUP BY ALL",
     "groups:country"),
    ("full scan: count per day (UTC)",
     "SELECT day, count() FROM clicks GROUP BY day SINCE all TIMEZONE 'UTC'",
     "SELECT substr(CAST(click.timestamp AS VARCHAR), 1, 10) AS day, count(*) AS n FROM read_ndjson('{f}') GROUP BY ALL",
     "groups:day"),
]


def dubql_answer(binary, query, path, kind):
    started = time.perf_counter()
    out = subprocess.run([binary, "query", query, "--data", path, "--now", NOW, "--format", "ndjson"],
                         check=True, capture_output=True, text=True).stdout
    elapsed = time.perf_counter() - started
    rows = [json.loads(line) for line in out.splitlines() if line]
    if kind == "rows":
        return elapsed, [r["click"]["id"] for r in rows]
    key = kind.split(":")[1]
    # Days are instants (`2026-12-01T00:00:00.000Z`): the date is what DuckDB's side gives.
    value = (lambda v: v[:10]) if key == "day" else (lambda v: v)
    return elapsed, sorted(((value(r[key]), r["count()"]) for r in rows), key=repr)


def duckdb_answer(duckdb, sql, path, kind):
    started = time.perf_counter()
    con = duckdb.connect()
    rows = con.execute(sql.format(f=path)).fetchall()
    con.close()
    elapsed = time.perf_counter() - started
    if kind == "rows":
        return elapsed, [r[0] for r in rows]
    return elapsed, sorted((tuple(r) for r in rows), key=repr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=1_000_000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--keep", help="leave the generated file here (reused when it exists)")
    ap.add_argument("--cases", help="run only the cases whose name contains this text")
    args = ap.parse_args()
    cases = [c for c in CASES if not args.cases or args.cases in c[0]]
    if not cases:
        sys.exit(f"no case name contains {args.cases!r}")

    binary = os.environ.get("DUBQL")
    if not binary:
        subprocess.run(["swift", "build", "-c", "release", "--product", "dubql"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        bin_dir = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, check=True,
                                 capture_output=True, text=True).stdout.strip()
        binary = os.path.join(bin_dir, "dubql")
    try:
        import duckdb
    except ImportError:
        duckdb = None
        print("duckdb is not installed (pip install duckdb): timing dubql alone", file=sys.stderr)

    work = tempfile.mkdtemp(prefix="dubql-oneshot-")
    path = args.keep or os.path.join(work, "clicks.ndjson")
    try:
        if not os.path.exists(path):
            subprocess.run([binary, "generate", "--event", "clicks", "--count", str(args.count), "--days", str(args.days),
                            "--end", NOW, "--output", path], check=True)
        size = os.path.getsize(path)
        print(f"{args.count} clicks, {size / 1e9:.2f} GB, newest first; dubql {binary}; "
              f"duckdb {duckdb.__version__ if duckdb else '-'}; {os.cpu_count()} cores; median of {args.rounds} rounds")
        times = {name: ([], []) for name, *_ in cases}
        for _ in range(args.rounds):
            for name, dq, sql, kind in cases:
                t, mine = dubql_answer(binary, dq, path, kind)
                times[name][0].append(t)
                if duckdb:
                    u, theirs = duckdb_answer(duckdb, sql, path, kind)
                    times[name][1].append(u)
                    if mine != theirs:
                        print(f"ANSWERS DIFFER for {name}: dubql {mine[:5]}... ({len(mine)}), duckdb {theirs[:5]}... ({len(theirs)})")
                        sys.exit(1)
        print()
        print("| case | dubql (s) | DuckDB (s) | dubql/DuckDB |")
        print("|---|---:|---:|---:|")
        for name, *_ in cases:
            mine, theirs = times[name]
            a = statistics.median(mine)
            if theirs:
                b = statistics.median(theirs)
                print(f"| {name} | {a:.3f} | {b:.3f} | {a / b:.3f} |")
            else:
                print(f"| {name} | {a:.3f} | - | - |")
        if duckdb:
            print("\nanswers: equal in every round")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
