#!/usr/bin/env bash
# One command for the end-to-end comparison of issue 5 / DESIGN.md §8:
#
#   bench/compare.sh [SIZE...]            (default: 10000 100000 1000000 records)
#
# For each size it generates the same deals NDJSON (`successapp sample`, seed 42) and runs, back to back, each under
# /usr/bin/time -v (wall, user+sys CPU, max RSS):
#   f  scan          bare Utf8JsonReader token scan of every framed record  (successapp bench scan)
#   e' flatten       frame + flatten + dedup through the sync batches         (successapp bench flatten)
#   d  pg-copy       PostgreSQL's own COPY … FROM 'file' (FORMAT binary) of exactly the rows the worker sends
#                    (files from `successapp bench dump-copy`, tables from `successapp ddl`, fresh database)
#   e  worker        successapp sync, file -> PostgreSQL, fresh database on the same server
#   c  duckdb        DuckDB.NET read_json + unnest into the same tables (in memory, flatten only)
#   a  pandas        the seed's pandas pipeline with its drop_duplicates fix (bench/seed_pipeline.py)
#   b  pandas-no-dedup  the same without drop_duplicates (the incident's shape), under a memory cap
# Before the sizes it times the worker syncing a single record (its fixed cost: process start, runtime, migration).
# It writes bench/results/latest.json + latest.csv, docs/benchmarks.svg and docs/benchmarks.md (bench/report.py).
#
# Environment (all optional):
#   DATABASE_URL      use this PostgreSQL (superuser, same machine: the server reads the COPY files and /proc is
#                     sampled) instead of starting one from the machine's binaries under $BENCH_WORK/pgdata
#   BENCH_WORK        scratch directory, readable by OS user postgres (default /tmp/successapp-bench)
#   PANDAS_CAP_GB     address-space cap of (a) (default 12);  INCIDENT_CAP_GB  cap of (b) (default 8)
#   PANDAS_TIMEOUT    seconds before (a) and (b) are stopped and reported as not finished (default 900)
#   REPEAT            runs of f, e', d and e per size, interleaved; the report takes each one's median (default 3)
#   SKIP_PANDAS=1     leave out (a) and (b);  KEEP_DATA=1  keep the generated files
#   PG_SHARED_BUFFERS shared_buffers of the server this script starts (default: a quarter of the RAM, 128MB to 2GB)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

if [ "$#" -gt 0 ]; then SIZES=("$@"); else SIZES=(10000 100000 1000000); fi
WORK=${BENCH_WORK:-/tmp/successapp-bench}
PANDAS_CAP_GB=${PANDAS_CAP_GB:-12}
INCIDENT_CAP_GB=${INCIDENT_CAP_GB:-8}
PANDAS_TIMEOUT=${PANDAS_TIMEOUT:-900}
REPEAT=${REPEAT:-3}
[[ "$REPEAT" =~ ^[1-9][0-9]*$ ]] || { echo "error: REPEAT must be a positive whole number (got '$REPEAT')" >&2; exit 1; }
PY=/usr/bin/python3
RAW="$WORK/results.jsonl"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

say() { printf '\n== %s\n' "$*"; }
info() { printf '   %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
as_root() { [ "$(id -u)" -eq 0 ]; }

say "checking tools"
[ -x /usr/bin/time ] || { as_root && { info "GNU time missing: apt-get install -y time"; apt-get update -qq && apt-get install -y -qq time >/dev/null; }; } || die "/usr/bin/time (GNU time) is needed: apt-get install time"
[ -x "$PY" ] || die "$PY is needed (Debian's python3)"
command -v dotnet >/dev/null || die "the .NET SDK is needed (global.json)"
if ! "$PY" -c 'import pandas' 2>/dev/null; then
  if [ "${SKIP_PANDAS:-0}" = 1 ]; then
    info "pandas not installed; not needed with SKIP_PANDAS=1"
  elif as_root; then
    info "python3-pandas is not installed for $PY: installing it with apt-get (Debian's package)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pandas >/dev/null
  else
    die "python3-pandas is missing for $PY; install it with: sudo apt-get install python3-pandas"
  fi
fi
[ "${SKIP_PANDAS:-0}" = 1 ] || info "pandas $("$PY" -c 'import pandas; print(pandas.__version__)') on $("$PY" --version 2>&1)"

mkdir -p "$WORK"/{bin,data,logs}
chmod 755 "$WORK"
rm -f "$RAW"

say "building the worker as it is deployed (Release, ReadyToRun) and the benchmark console (Release)"
RID=$(dotnet --info 2>/dev/null | awk '/^ *RID:/ {print $2; exit}')
for project in src/SuccessApp.Worker tests/SuccessApp.Benchmarks; do
  out="$WORK/bin/$(basename "$project")"
  if [ "$project" = src/SuccessApp.Worker ] && [ -n "$RID" ]; then
    build=(dotnet publish "$project" -c Release -r "$RID" --self-contained false -o "$out" -nologo)
  else
    build=(dotnet build "$project" -c Release -o "$out" -nologo)
  fi
  "${build[@]}" >"$WORK/logs/build-$(basename "$project").log" 2>&1 \
    || { tail -30 "$WORK/logs/build-$(basename "$project").log"; die "building $project failed"; }
  info "$project -> $out"
done
WORKER="$WORK/bin/SuccessApp.Worker/successapp"
CONSOLE="$WORK/bin/SuccessApp.Benchmarks/SuccessApp.Benchmarks"
[ -x "$WORKER" ] && [ -x "$CONSOLE" ] || die "the build failed (see above)"

# PostgreSQL: $DATABASE_URL, or a server of our own from the machine's binaries, stopped on exit.
STARTED_PG=0
if [ -n "${DATABASE_URL:-}" ]; then
  say "PostgreSQL: using \$DATABASE_URL"
  PSQL_BASE="$DATABASE_URL"
  PGDATA_DIR=$("$(command -v psql)" "$DATABASE_URL" -Atc 'SHOW data_directory' 2>/dev/null || true)
  url_for() { "$PY" - "$DATABASE_URL" "$1" <<'EOF'
import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))
EOF
  }
  PSQL=psql
else
  PGBIN=${SUCCESSAPP_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
  if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
    as_root || die "PostgreSQL server binaries not found: apt-get install postgresql, or set DATABASE_URL"
    say "PostgreSQL server binaries not found: installing them with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  fi
  PGDATA_DIR="$WORK/pgdata"
  run_pg() { if as_root; then runuser -u postgres -- "$@"; else "$@"; fi; }
  PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  say "PostgreSQL: starting $("$PGBIN/postgres" --version) from $PGBIN on 127.0.0.1:$PORT (data in $PGDATA_DIR)"
  if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
    rm -rf "$PGDATA_DIR"; mkdir -p "$PGDATA_DIR"
    as_root && chown postgres: "$PGDATA_DIR"
    run_pg "$PGBIN/initdb" -D "$PGDATA_DIR" -A trust -U postgres --encoding=UTF8 --locale=C >"$WORK/logs/initdb.log"
  fi
  as_root && chown postgres: "$WORK/logs"
  # Durable defaults, except shared_buffers: a quarter of the RAM up to 2 GB, PostgreSQL's documented starting point
  # for a dedicated server (its shipped 128 MB makes every system here fight over a tiny cache once tables pass it).
  SHARED_BUFFERS=${PG_SHARED_BUFFERS:-$("$PY" -c "import os; print(str(max(128, min(2048, os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') // 4 // 1048576))) + 'MB')")}
  run_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -l "$WORK/logs/postgres.log" -w -t 120 \
    -o "-p $PORT -k $PGDATA_DIR -c listen_addresses=127.0.0.1 -c shared_buffers=$SHARED_BUFFERS" start >/dev/null
  STARTED_PG=1
  trap 'run_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null 2>&1 || true' EXIT
  PSQL_BASE="postgres://postgres@127.0.0.1:$PORT/postgres"
  url_for() { echo "postgres://postgres@127.0.0.1:$PORT/$1"; }
  PSQL="$PGBIN/psql"
fi
psql_db() { PGOPTIONS="-c client_min_messages=warning" "$PSQL" "$(url_for "$1")" -v ON_ERROR_STOP=1 -qAt "${@:2}"; }
fresh_db() { psql_db postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null; }
server_cpu() { if [ -n "$PGDATA_DIR" ] && [ -r "$PGDATA_DIR/postmaster.pid" ]; then "$PY" bench/procstat.py server-cpu "$PGDATA_DIR"; else echo nan; fi; }
info "server: $(psql_db postgres -c 'SELECT version()')"

# timed NAME N -- command...   runs it under /usr/bin/time -v into $WORK/logs/NAME-N.{time,out,err}; sets CODE.
timed() {
  local base="$WORK/logs/$1-$2"; shift 3
  CODE=0
  /usr/bin/time -v -o "$base.time" "$@" >"$base.out" 2>"$base.err" || CODE=$?
}
# record SYSTEM N [key=value...]   appends the run's numbers to $RAW and prints a line.
record() {
  local system=$1 n=$2 base="$WORK/logs/$1-$2"; shift 2
  "$PY" bench/record.py "$RAW" "$system" "$n" "$base.time" "$base.out" "$CODE" "rep=${REP:-1}" "$@"
  info "$(printf '%-16s exit %-3s wall %-9s peak RSS %s' "$system" "$CODE" \
    "$(grep -F 'Elapsed (wall' "$base.time" | awk '{print $NF}')" "$(grep -F 'Maximum resident' "$base.time" | awk '{printf "%.0f MB", $NF/1024}')")"
}

# The worker's fixed cost, whatever the input: one record, a fresh database, three times (the report takes the fastest).
say "fixed cost: the worker syncing a single record into a fresh database (process start, runtime, connections, migration)"
FLOOR="$WORK/data/deals-1.ndjson"
"$WORKER" sample -e deals -n 1 -o "$FLOOR" >/dev/null
chmod 644 "$FLOOR"
for REP in 1 2 3; do
  fresh_db bench_floor
  timed worker-floor 1 -- "$WORKER" sync --source "$FLOOR" --entity deals --database-url "$(url_for bench_floor)"
  record worker-floor 1
done
unset REP
psql_db postgres -c "DROP DATABASE IF EXISTS bench_floor" >/dev/null
rm -f "$FLOOR"

for N in "${SIZES[@]}"; do
  DATA="$WORK/data/deals-$N.ndjson"
  say "$N records: generating $DATA"
  "$WORKER" sample -e deals -n "$N" -o "$DATA" 2>&1 | sed 's/^/   /'
  chmod 644 "$DATA"
  info "$(du -h "$DATA" | cut -f1) on disk; running the systems back to back"

  # d's input: the worker's COPY stream, dumped once.
  COPYDIR="$WORK/copy-$N"
  rm -rf "$COPYDIR"
  "$WORKER" bench dump-copy --entity deals --source "$DATA" --out "$COPYDIR" --json >"$WORK/logs/dump-copy-$N.out"
  chmod 755 "$COPYDIR"; chmod 644 "$COPYDIR"/*

  # f, e', d and e, interleaved $REPEAT times: the report takes each one's median, so a slow minute on a shared
  # machine moves a ratio less.
  for REP in $(seq 1 "$REPEAT"); do
    info "run $REP of $REPEAT"
    timed scan "$N" -- "$WORKER" bench scan --source "$DATA" --json
    record scan "$N"
    timed flatten "$N" -- "$WORKER" bench flatten --entity deals --source "$DATA" --json
    record flatten "$N"

    # d: the server reads the dumped stream from the files itself, into the tables `successapp ddl` creates.
    fresh_db bench_d
    "$WORKER" ddl --entity deals | psql_db bench_d >/dev/null
    before=$(server_cpu)
    timed pg-copy "$N" -- "$CONSOLE" copy-files --manifest "$COPYDIR/manifest.json" --connection "$(url_for bench_d)" --replace-primary-keys
    after=$(server_cpu)
    record pg-copy "$N" "server_cpu_s=$("$PY" -c "print(round($after - $before, 2))")" "copy_bytes=$("$PY" -c "import json; print(json.load(open('$WORK/logs/dump-copy-$N.out'))['bytes'])")"
    psql_db bench_d -c "DROP SCHEMA public CASCADE" >/dev/null 2>&1 || true

    # e: the worker end to end, a fresh database, the backend sampled while it runs.
    fresh_db bench_e
    # Each statement's server time goes to the log, to split e's server work into COPY and merge.
    psql_db postgres -c "ALTER DATABASE bench_e SET log_min_duration_statement = 0" >/dev/null
    PGLOG="$WORK/logs/postgres.log"; logfrom=$( [ -r "$PGLOG" ] && wc -c <"$PGLOG" || echo 0)
    before=$(server_cpu)
    base="$WORK/logs/worker-$N"; CODE=0
    /usr/bin/time -v -o "$base.time" "$WORKER" sync --source "$DATA" --entity deals --database-url "$(url_for bench_e)" >"$base.out" 2>"$base.err" &
    timer=$!
    "$PY" bench/procstat.py sample --db bench_e --pid "$timer" --out "$base.sample.json" &
    sampler=$!
    wait "$timer" || CODE=$?
    wait "$sampler" || true
    after=$(server_cpu)
    if [ -r "$PGLOG" ]; then tail -c +$((logfrom + 1)) "$PGLOG" >"$base.pglog"; "$PY" bench/procstat.py statements "$base.pglog" >"$base.statements.json"; fi
    summary=$(grep -E 'total elapsed|elapsed  ' "$base.out" | tr -s ' ' | paste -sd';' -)
    record worker "$N" "server_cpu_s=$("$PY" -c "print(round($after - $before, 2))")" \
      "sample=@$base.sample.json" "statements=@$base.statements.json" "rows=$(psql_db bench_e -c 'SELECT (SELECT count(*) FROM deals) + (SELECT count(*) FROM deals_result_reasons) + (SELECT count(*) FROM deals_territories) + (SELECT count(*) FROM deals_bridges) + (SELECT count(*) FROM deals_tags) + (SELECT count(*) FROM deals_stage_history) + (SELECT count(*) FROM deals_stage_history_changes)')" \
      "rows_sent=$("$PY" -c "import json; print(json.load(open('$WORK/logs/dump-copy-$N.out'))['rows'])")" "summary=$summary"
    psql_db postgres -c "DROP DATABASE IF EXISTS bench_e" >/dev/null
  done
  unset REP
  rm -rf "$COPYDIR"

  timed duckdb "$N" -- "$CONSOLE" duckdb "$DATA"
  record duckdb "$N"

  if [ "${SKIP_PANDAS:-0}" != 1 ]; then
    timed pandas "$N" -- timeout "$PANDAS_TIMEOUT" prlimit --as=$((PANDAS_CAP_GB * 1024 * 1024 * 1024)) "$PY" bench/seed_pipeline.py "$DATA"
    record pandas "$N" "cap_gb=$PANDAS_CAP_GB" "timeout_s=$PANDAS_TIMEOUT"
    timed pandas-no-dedup "$N" -- timeout "$PANDAS_TIMEOUT" prlimit --as=$((INCIDENT_CAP_GB * 1024 * 1024 * 1024)) "$PY" bench/seed_pipeline.py "$DATA" --no-dedup
    record pandas-no-dedup "$N" "cap_gb=$INCIDENT_CAP_GB" "timeout_s=$PANDAS_TIMEOUT"
  fi

  [ "${KEEP_DATA:-0}" = 1 ] || rm -f "$DATA"
done

say "writing bench/results/latest.json, latest.csv, docs/benchmarks.svg, docs/benchmarks.md"
"$PY" bench/report.py "$RAW" --command "bench/compare.sh ${SIZES[*]}" --server "PostgreSQL $(psql_db postgres -c "SHOW server_version"), shared_buffers $(psql_db postgres -c "SHOW shared_buffers")"
