#!/usr/bin/python3
"""Turns bench/compare.sh's measurements into bench/results/latest.{json,csv}, docs/benchmarks.svg and
docs/benchmarks.md. Standard library only (no matplotlib): the SVG is written by hand.

    report.py RESULTS.jsonl --command "bench/compare.sh 10000 100000"
"""
import csv
import datetime
import json
import math
import os
import platform
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SYSTEMS = [
    # key, label, letter
    ("pandas", "seed pandas (drop_duplicates fix)", "a"),
    ("pandas-no-dedup", "seed pandas, no drop_duplicates (incident)", "b"),
    ("duckdb", "DuckDB read_json + unnest (flatten only)", "c"),
    ("pg-copy", "PostgreSQL COPY FROM file of our rows", "d"),
    ("worker", "successapp sync, file to PostgreSQL", "e"),
    ("flatten", "successapp bench flatten (no database)", "e'"),
    ("scan", "Utf8JsonReader token scan", "f"),
]
COLORS = {
    "pandas": "#d62728", "pandas-no-dedup": "#ff9896", "duckdb": "#9467bd", "pg-copy": "#1f77b4",
    "worker": "#2ca02c", "flatten": "#98df8a", "scan": "#7f7f7f",
}
TARGETS = {
    "e_over_d": 1.15, "flatten_over_scan": 0.5, "a_time_over_e": 30.0, "a_memory_over_e": 20.0,
    "e_rss_growth_100k_to_1m": 0.10, "e_peak_rss_mb": 150.0, "allocated_bytes_per_record": 0.0,
}


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def status(entry):
    code = entry.get("exit_code", 0)
    app = entry.get("app") or {}
    if entry["system"].startswith("pandas"):
        if code == 124:
            return f"not finished in {entry.get('timeout_s')} s"
        if code != 0 and (app.get("error") == "MemoryError" or code in (3, 137, 134, -9) or "MemoryError" in entry.get("stderr_tail", "")):
            return f"exceeded {entry.get('cap_gb')} GB"
    return "ok" if code == 0 else f"failed (exit {code})"


def summarize(entry):
    """One row of the table: the numbers every system has, in the same units."""
    app = entry.get("app") or {}
    system = entry["system"]
    row = {
        "records": entry["records"],
        "system": system,
        "rep": entry.get("rep"),
        "status": status(entry),
        "wall_s": entry.get("wall_s"),
        "cpu_s": entry.get("cpu_s"),
        "peak_rss_mb": entry.get("max_rss_mb"),
        "rows": None,
        "timed_s": None,
        "server_cpu_s": entry.get("server_cpu_s"),
        "note": "",
    }
    if system == "scan":
        row["rows"] = app.get("records")
        row["timed_s"] = app.get("seconds")
        row["mb_per_s"] = app.get("mb_per_s")
        row["note"] = f"{app.get('tokens', 0):,} tokens"
    elif system == "flatten":
        row["rows"] = app.get("rows")
        row["timed_s"] = app.get("seconds")
        row["mb_per_s"] = app.get("mb_per_s")
        row["allocated_bytes_per_record"] = app.get("allocated_bytes_per_record")
        row["allocated_bytes_per_record_warm"] = app.get("allocated_bytes_per_record_warm")
        row["note"] = f"{fmt(app.get('allocated_bytes_per_record_warm'))} B/record allocated once both batches are warm"
    elif system == "pg-copy":
        row["rows"] = app.get("rows")
        row["timed_s"] = app.get("seconds")
        row["backend_cpu_s"] = app.get("backend_cpu_seconds")
        row["backend_peak_rss_mb"] = app.get("backend_peak_rss_mb")
        row["note"] = f"client-timed COPY; backend CPU {app.get('backend_cpu_seconds', 0):.1f} s, backend peak RSS {app.get('backend_peak_rss_mb', 0):.0f} MB"
    elif system == "worker":
        row["rows"] = entry.get("rows_sent")
        row["rows_in_tables"] = entry.get("rows")
        summary = str(entry.get("summary", ""))
        # "elapsed N s" of the entity: the pipeline without process start and migration.
        for part in summary.split(";"):
            words = part.split()
            if words[:1] == ["elapsed"] and len(words) > 1:
                row["timed_s"] = float(words[1])
        sample = entry.get("sample") or {}
        # The worker writes over several connections: their backends' CPU together, and how busy the busiest was.
        row["backend_cpu_s"] = sample.get("backend_cpu_seconds")
        row["backends"] = sample.get("writing_backends")
        row["backend_running_share"] = sample.get("busiest_backend_running_share")
        row["client_threads_running_avg"] = sample.get("client_threads_running_avg")
        st = (entry.get("statements") or {}).get("seconds") or {}
        row["server_copy_s"], row["server_merge_s"], row["server_commit_s"] = st.get("copy_to_staging"), st.get("merge"), st.get("commit")
        row["server_direct_s"], row["server_keys_s"] = st.get("copy_direct"), st.get("key_lookup")
        row["server_other_s"] = (st.get("other") or 0) + (st.get("migrate") or 0) if st else None
        row["top_statements"] = (entry.get("statements") or {}).get("top")
        row["note"] = (f"{row['rows_in_tables'] or 0:,} rows in the tables after merge; CPU of its {row.get('backends') or 1} busy backends {row['backend_cpu_s'] or 0:.1f} s, "
                       f"busiest running in {100 * (row['backend_running_share'] or 0):.0f}% of samples; server statement time (summed over the backends): "
                       f"COPY into the tables {fmt(row['server_direct_s'])} s, key lookups {fmt(row['server_keys_s'])} s, COPY to staging {fmt(row['server_copy_s'])} s, "
                       f"merge {fmt(row['server_merge_s'])} s, commit {fmt(row['server_commit_s'])} s, other {fmt(row['server_other_s'])} s")
    elif system == "duckdb":
        row["rows"] = app.get("rows")
        row["timed_s"] = app.get("seconds")
        row["note"] = f"DuckDB {app.get('duckdb_version', '?')}, {app.get('threads', '?')} threads, no dedup"
    else:
        row["rows"] = app.get("rows")
        row["timed_s"] = app.get("seconds")
        if app.get("rows") is not None:
            row["note"] = f"final frame {app['rows']:,} rows x {app.get('columns')} columns"
        elif row["status"] != "ok":
            row["note"] = row["status"]
    seconds = row["timed_s"] or row["wall_s"]
    row["rows_per_s"] = row["rows"] / seconds if row["rows"] and seconds else None
    return row


def medians(rows):
    """One row per size and system: of repeated runs, the one with the median time (timed, else wall), so that every
    number in the row comes from the same run; its note says how many runs there were and their times."""
    groups = {}
    for r in rows:
        groups.setdefault((r["records"], r["system"]), []).append(r)
    out = []
    for runs in groups.values():
        ok = [r for r in runs if r["status"] == "ok"] or runs
        key = lambda r: r["timed_s"] if r.get("timed_s") is not None else (r.get("wall_s") or 0)  # noqa: E731
        ok.sort(key=key)
        chosen = dict(ok[(len(ok) - 1) // 2])
        chosen["runs"] = len(runs)
        if len(runs) > 1:
            times = ", ".join(fmt(key(r)) for r in sorted(runs, key=lambda r: r.get("rep") or 0))
            failed = len(runs) - len([r for r in runs if r["status"] == "ok"])
            chosen["note"] = (f"median of {len(runs)} runs (timed s in run order: {times}"
                              + (f"; {failed} failed" if failed else "") + "); " + chosen["note"])
        out.append(chosen)
    return out


def ratios(rows):
    by = {(r["records"], r["system"]): r for r in rows}
    sizes = sorted({r["records"] for r in rows})
    out = {}
    for n in sizes:
        g = lambda s: by.get((n, s))  # noqa: E731
        entry = {}
        e, d, f, fl, a = g("worker"), g("pg-copy"), g("scan"), g("flatten"), g("pandas")
        if e and d and d.get("timed_s"):
            entry["e_over_d"] = e["timed_s"] / d["timed_s"] if e.get("timed_s") else None
            entry["e_wall_over_d"] = e["wall_s"] / d["timed_s"]
        if f and fl and f.get("mb_per_s"):
            entry["flatten_over_scan"] = fl["mb_per_s"] / f["mb_per_s"]
        if a and e:
            finished = a["status"] == "ok"
            # A run stopped by its memory cap says nothing about how long it would have taken.
            entry["a_time_over_e"] = None if a["status"].startswith("exceeded") else a["wall_s"] / e["wall_s"]
            entry["a_memory_over_e"] = a["peak_rss_mb"] / e["peak_rss_mb"]
            entry["a_is_lower_bound"] = not finished
        if e:
            entry["e_peak_rss_mb"] = e["peak_rss_mb"]
            if e.get("backend_cpu_s") is not None and e.get("timed_s"):
                entry["e_backend_busy"] = e["backend_cpu_s"] / e["timed_s"]
        if d and d.get("backend_cpu_s") is not None and d.get("timed_s"):
            entry["d_backend_busy"] = d["backend_cpu_s"] / d["timed_s"]
        if fl:
            entry["allocated_bytes_per_record"] = fl.get("allocated_bytes_per_record")
            entry["allocated_bytes_per_record_warm"] = fl.get("allocated_bytes_per_record_warm")
        out[str(n)] = entry
    e100, e1m = by.get((100000, "worker")), by.get((1000000, "worker"))
    growth = None
    if e100 and e1m:
        growth = e1m["peak_rss_mb"] / e100["peak_rss_mb"] - 1
    return out, growth


def machine():
    cpu, cores = "?", 0
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name") and cpu == "?":
                cpu = line.split(":", 1)[1].strip()
            if line.startswith("processor"):
                cores += 1
    except OSError:
        pass
    def run(*cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "?"
    return {
        "cpu": cpu,
        "logical_cpus": cores,
        "free": run("free", "-h"),
        "kernel": platform.release(),
        "os": run("sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"),
        "dotnet": run("dotnet", "--version"),
        "python": platform.python_version(),
    }


def fmt(v, digits=2):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, float):
        if abs(v) >= 100:
            return f"{v:,.0f}"
        return f"{v:.{digits}f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


# ---------------------------------------------------------------- SVG

def svg_chart(rows, path):
    width, height = 980, 440
    panels = [("Peak RSS (MB)", "peak_rss_mb", 70), ("Wall time (s)", "wall_s", 560)]
    sizes = sorted({r["records"] for r in rows})
    xs_min, xs_max = min(sizes), max(sizes)
    if xs_min == xs_max:
        xs_min, xs_max = xs_min / 2, xs_max * 2
    plot_w, plot_h, top = 380, 300, 50
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
           'font-family="Helvetica, Arial, sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>']

    def log_ticks(lo, hi):
        ticks = []
        e = math.floor(math.log10(lo))
        while 10 ** e <= hi * 1.0001:
            for m in (1, 2, 5):
                v = m * 10 ** e
                if lo * 0.9999 <= v <= hi * 1.0001:
                    ticks.append(v)
            e += 1
        return ticks

    for title, key, left in panels:
        values = [r[key] for r in rows if r.get(key)]
        lo, hi = min(values), max(values)
        lo, hi = 10 ** math.floor(math.log10(lo)), 10 ** math.ceil(math.log10(hi))
        if lo == hi:
            hi = lo * 10

        def X(v):
            return left + (math.log10(v) - math.log10(xs_min)) / (math.log10(xs_max) - math.log10(xs_min)) * plot_w

        def Y(v):
            return top + plot_h - (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)) * plot_h

        out.append(f'<text x="{left + plot_w / 2}" y="30" text-anchor="middle" font-size="14" font-weight="bold">{title} against records (log-log)</text>')
        out.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#444"/>')
        for t in log_ticks(lo, hi):
            y = Y(t)
            out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e5e5"/>')
            out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{t:g}</text>')
        for n in sizes:
            x = X(n)
            out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + plot_h}" stroke="#e5e5e5"/>')
            out.append(f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{n:,}</text>')
        out.append(f'<text x="{left + plot_w / 2}" y="{top + plot_h + 34}" text-anchor="middle">records</text>')
        for system, _, _ in SYSTEMS:
            pts = sorted((r["records"], r[key], r["status"] == "ok") for r in rows if r["system"] == system and r.get(key))
            if not pts:
                continue
            color = COLORS[system]
            if len(pts) > 1:
                line = " ".join(f"{X(n):.1f},{Y(v):.1f}" for n, v, _ in pts)
                out.append(f'<polyline points="{line}" fill="none" stroke="{color}" stroke-width="2"/>')
            for n, v, ok in pts:
                fill = color if ok else "white"
                out.append(f'<circle cx="{X(n):.1f}" cy="{Y(v):.1f}" r="4" fill="{fill}" stroke="{color}" stroke-width="2">'
                           f'<title>{system} {n:,}: {v:.3g}{"" if ok else " (stopped: cap or timeout, a lower bound)"}</title></circle>')
    # legend
    y = top + plot_h + 52
    x = 70
    for system, label, letter in SYSTEMS:
        if not any(r["system"] == system for r in rows):
            continue
        out.append(f'<rect x="{x}" y="{y - 9}" width="12" height="12" fill="{COLORS[system]}"/>')
        out.append(f'<text x="{x + 17}" y="{y + 1}">{letter}: {label}</text>')
        x += 300
        if x > width - 250:
            x, y = 70, y + 18
    out.append(f'<text x="{width - 10}" y="{height - 6}" text-anchor="end" fill="#666">hollow marker: stopped by its memory cap or timeout (a lower bound)</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


# ---------------------------------------------------------------- Markdown

def verdict(value, target, higher_is_better, lower_bound=False):
    if value is None:
        return "–"
    ok = value >= target if higher_is_better else value <= target
    if lower_bound and higher_is_better and not ok:
        return "≥ shown, inconclusive"
    return "met" if ok else "**missed**"


def markdown(rows, rat, growth, meta, command, path, floor=None):
    by = {(r["records"], r["system"]): r for r in rows}
    sizes = sorted({r["records"] for r in rows})
    L = []
    L.append("# Benchmarks")
    L.append("")
    L.append(f"Generated by `{command}` on {meta['generated']} (bench/report.py writes this file; edits are overwritten).")
    L.append("Every size runs all systems back to back on the same generated file (`successapp sample -e deals -n N`, seed 42:")
    L.append("30% exact duplicates, 10% older and 5% newer versions of a key). Timings on a shared 2-core machine are noisy, so f, e',")
    L.append("d and e run several times, interleaved, and each row below is the median run (its note lists every run's time); read")
    L.append("the ratios, which compare runs made seconds apart, rather than absolute numbers.")
    L.append("")
    L.append("![peak memory and time against records](benchmarks.svg)")
    L.append("")
    L.append("## Results")
    L.append("")
    L.append("| records | system | status | wall s | CPU s (user+sys) | peak RSS MB | timed s | rows | rows/s | notes |")
    L.append("|---:|---|---|---:|---:|---:|---:|---:|---:|---|")
    for n in sizes:
        for system, label, letter in SYSTEMS:
            r = by.get((n, system))
            if not r:
                continue
            L.append(f"| {n:,} | {letter} {system} | {r['status']} | {fmt(r['wall_s'])} | {fmt(r['cpu_s'])} | {fmt(r['peak_rss_mb'], 0)} | "
                     f"{fmt(r['timed_s'])} | {fmt(r['rows'])} | {fmt(r['rows_per_s'], 0)} | {r['note']} |")
    L.append("")
    L.append("*wall, CPU, peak RSS*: `/usr/bin/time -v` of the process (for d the process is the client; the server's own")
    L.append("CPU and peak RSS are in the notes). *timed*: measured inside — the scan/flatten loop, the client's stopwatch around")
    L.append("the COPY statements (d), the sync pipeline's own `elapsed` without process start and migration (e), DuckDB's")
    L.append("statements, pandas from start to final frame. *rows*: rows written (e, e', d: the rows the worker COPYs, older")
    L.append("versions in later chunks included; the merge keeps the newest), rows of all seven tables (c, no dedup), rows of")
    L.append("the final merged frame (a, b). rows/s divides rows by *timed*.")
    L.append("")
    L.append("## Ratios against the targets (DESIGN.md §8)")
    L.append("")
    L.append("| records | e/d time (≤ 1.15) | e wall/d | flatten/scan speed (≥ 0.5) | a/e time (≥ 30×) | a/e peak memory (≥ 20×) | e peak RSS MB (≤ 150) | flatten alloc B/record (0) |")
    L.append("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        x = rat.get(str(n), {})
        lb = "≥ " if x.get("a_is_lower_bound") else ""
        alloc = x.get("allocated_bytes_per_record")
        warm = x.get("allocated_bytes_per_record_warm")
        L.append(f"| {n:,} | {fmt(x.get('e_over_d'))} ({verdict(x.get('e_over_d'), 1.15, False)}) | {fmt(x.get('e_wall_over_d'))} | "
                 f"{fmt(x.get('flatten_over_scan'))} ({verdict(x.get('flatten_over_scan'), 0.5, True)}) | "
                 f"{lb}{fmt(x.get('a_time_over_e'), 0)}× ({verdict(x.get('a_time_over_e'), 30, True, bool(lb))}) | "
                 f"{lb}{fmt(x.get('a_memory_over_e'), 0)}× ({verdict(x.get('a_memory_over_e'), 20, True, bool(lb))}) | "
                 f"{fmt(x.get('e_peak_rss_mb'), 0)} ({verdict(x.get('e_peak_rss_mb'), 150, False)}) | "
                 f"{fmt(alloc)} after chunk 1, {fmt(warm)} after chunk 2 |")
    L.append("")
    if growth is not None:
        L.append(f"Peak RSS of e from 100,000 to 1,000,000 records: {growth * 100:+.1f}% (target ≤ +10%: {verdict(growth, 0.10, False)}).")
    else:
        L.append("Peak RSS growth of e from 100,000 to 1,000,000 records: not measured in this run (needs both sizes).")
    L.append("")
    L.append("\"≥\": pandas was stopped by its memory cap or timeout, so its time and memory (and the ratio) are lower bounds.")
    L.append("")
    L.append("## Reading")
    L.append("")
    for line in reading(rows, rat, growth, by, sizes) + fixed_cost(floor, by, sizes):
        L.append(line)
    L.append("")
    micro = os.path.join(ROOT, "bench", "results", "microbenchmarks")
    if os.path.isdir(micro):
        L.append("## Microbenchmarks (BenchmarkDotNet)")
        L.append("")
        L.append("`dotnet run -c Release --project tests/SuccessApp.Benchmarks -- --filter '*'` (the numbers below: with `--job short`, for time), on one chunk of 5,000 generated deals")
        L.append("records; every operation is one input record (OperationsPerInvoke), so *Mean* is time per record, *Allocated* bytes per")
        L.append("record, and *JSON MB/s* the input NDJSON throughput. Copied from BenchmarkDotNet.Artifacts into bench/results/microbenchmarks/.")
        L.append("")
        for name in sorted(os.listdir(micro)):
            if name.endswith("-report-github.md"):
                L.append(f"### {name.replace('SuccessApp.Benchmarks.', '').replace('-report-github.md', '')}")
                L.append("")
                L.extend(open(os.path.join(micro, name)).read().strip().splitlines())
                L.append("")
    L.append("## Machine")
    L.append("")
    L.append(f"- CPU: {meta['machine']['cpu']} ({meta['machine']['logical_cpus']} logical CPUs, shared with other work)")
    L.append(f"- OS: {meta['machine']['os']}, kernel {meta['machine']['kernel']}; .NET SDK {meta['machine']['dotnet']}; Python {meta['machine']['python']}")
    if meta.get("server"):
        L.append(f"- PostgreSQL: {meta['server']}, on the same machine; durable defaults except `shared_buffers`, set to a quarter of")
        L.append("  the RAM up to 2 GB (PostgreSQL's documented starting point for a dedicated server; `PG_SHARED_BUFFERS` overrides it)")
    L.append("- Memory (`free -h`):")
    L.append("")
    L.append("```")
    L.append(meta["machine"]["free"])
    L.append("```")
    L.append("")
    L.append("## Reproduce")
    L.append("")
    L.append("```sh")
    L.append(command + "            # sizes as arguments; default 10000 100000 1000000")
    L.append("dotnet run -c Release --project tests/SuccessApp.Benchmarks -- --filter '*'   # the microbenchmarks")
    L.append("```")
    L.append("")
    L.append("`compare.sh` builds the worker and the benchmark console in Release, starts a PostgreSQL from the machine's binaries")
    L.append("(or uses `$DATABASE_URL`), installs Debian's `python3-pandas` for `/usr/bin/python3` if it is missing, and prints")
    L.append("each step. The raw measurements are in `bench/results/latest.json` and `latest.csv`.")
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n")


def reading(rows, rat, growth, by, sizes):
    out = []
    big = max(sizes)
    x = rat.get(str(big), {})
    e, d, a, b = by.get((big, "worker")), by.get((big, "pg-copy")), by.get((big, "pandas")), by.get((big, "pandas-no-dedup"))
    if e and d and x.get("e_over_d") is not None:
        out.append(f"- **Worker against PostgreSQL's own COPY** ({big:,} records): the sync pipeline took {fmt(e['timed_s'])} s, the server's")
        out.append(f"  COPY of the same rows from files {fmt(d['timed_s'])} s: e/d = {fmt(x['e_over_d'])} (target ≤ 1.15). The backends of the worker's")
        out.append(f"  connections ({e.get('backends') or 1} with more than 0.1 s of CPU: the writers, and the one that migrated and read the resume state)")
        out.append(f"  used {fmt(e.get('backend_cpu_s'))} s of CPU together during e ({fmt(100 * (x.get('e_backend_busy') or 0), 0)}% of the pipeline's time; the busiest")
        out.append(f"  running in {fmt(100 * (e.get('backend_running_share') or 0), 0)}% of samples) against {fmt(d.get('backend_cpu_s'))} s for d's one backend: the server does more")
        out.append("  work for e than for d: besides copying the rows of new keys straight into the tables, it looks the chunk's keys up,")
        out.append("  copies the records whose keys are already stored (newer versions) to session temp tables and merges them, and")
        out.append("  commits once per chunk.")
        if e.get("server_merge_s") is not None:
            out.append(f"  The server's own statement log for e: COPY into the tables {fmt(e.get('server_direct_s'))} s, key lookups {fmt(e.get('server_keys_s'))} s,")
            out.append(f"  COPY into staging {fmt(e['server_copy_s'])} s, merge {fmt(e['server_merge_s'])} s, commits {fmt(e.get('server_commit_s'))} s, everything else")
            out.append(f"  {fmt(e['server_other_s'])} s — against {fmt(d['timed_s'])} s for d's COPY of all the rows from files.")
            top = ((by.get((big, "worker")) or {}).get("top_statements")) or []
            if top:
                out.append("  Costliest statements (server time summed over all chunks): "
                           + "; ".join(f"`{t['statement']}…` {fmt(t['seconds'])} s" for t in top[:4]) + ".")
        if e.get("cpu_s") is not None and e.get("server_cpu_s") is not None:
            out.append(f"  CPU: the worker process used {fmt(e['cpu_s'])} s and the server {fmt(e['server_cpu_s'])} s during e, on"
                       f" {os.cpu_count()} logical CPUs: e cannot take less than")
            out.append(f"  their sum over the CPU count, {fmt((e['cpu_s'] + e['server_cpu_s']) / max(os.cpu_count() or 1, 1))} s, while d's client sleeps"
                       f" and its server used {fmt(d.get('server_cpu_s'))} s.")
    f, fl = by.get((big, "scan")), by.get((big, "flatten"))
    if f and fl and x.get("flatten_over_scan") is not None:
        out.append(f"- **Flatten against the parse limit**: flatten-only ran at {fmt(fl.get('mb_per_s'), 0)} MB/s, the bare token scan at")
        out.append(f"  {fmt(f.get('mb_per_s'), 0)} MB/s: {fmt(x['flatten_over_scan'])} of the scan's speed (target ≥ 0.5). Steady-state allocation:")
        out.append(f"  {fmt(x.get('allocated_bytes_per_record_warm'))} B/record once both of sync's batches have filled once")
        out.append(f"  ({fmt(x.get('allocated_bytes_per_record'))} B/record counting from chunk 1, which includes the second batch growing its buffers).")
    if a and e:
        for n in sizes:
            an, en, xn = by.get((n, "pandas")), by.get((n, "worker")), rat.get(str(n), {})
            if not an or not en:
                continue
            lb = "at least " if an["status"] != "ok" else ""
            speed = "its time is unknown (stopped by the cap)" if xn.get("a_time_over_e") is None else f"{lb}{fmt(xn['a_time_over_e'], 0)}× slower"
            out.append(f"- **Against the seed's pandas** ({n:,} records): pandas {an['status']} after {fmt(an['wall_s'], 0)} s at {fmt(an['peak_rss_mb'], 0)} MB;")
            out.append(f"  the worker took {fmt(en['wall_s'])} s and {fmt(en['peak_rss_mb'], 0)} MB end to end: pandas {speed}, {lb}{fmt(xn.get('a_memory_over_e'), 0)}× the memory.")
        out.append("  Most of pandas' time is the note's line 11, one `pd.DataFrame` per row of the merged frame to explode result_reasons.")
    if b:
        out.append(f"- **The incident's shape** (no drop_duplicates, {big:,} records): {b['status']}, peak {fmt(b['peak_rss_mb'], 0)} MB.")
    c = by.get((big, "duckdb"))
    if c and e:
        out.append(f"- **DuckDB** flattened {big:,} records into the same seven tables in {fmt(c['timed_s'])} s using {fmt(c['peak_rss_mb'], 0)} MB")
        out.append("  (both cores, in-memory database holding all rows, no dedup, no load into PostgreSQL) — fast, but its memory grows")
        out.append("  with the input, where the worker's stays fixed by its chunk.")
    if growth is not None:
        out.append(f"- **Memory against input size**: the worker's peak RSS went from {fmt(by[(100000, 'worker')]['peak_rss_mb'], 0)} MB at 100,000 records to")
        out.append(f"  {fmt(by[(1000000, 'worker')]['peak_rss_mb'], 0)} MB at 1,000,000 ({growth * 100:+.1f}%).")
    return out


def fixed_cost(floor, by, sizes):
    """What a run costs before its first record (the fastest single-record run), against the smallest size's e (and the
    memory 20x under pandas needs)."""
    if not floor:
        return []
    n = min(sizes)
    e, a = by.get((n, "worker")), by.get((n, "pandas"))
    out = [f"- **The worker's fixed cost**: syncing a single record into a fresh database took {fmt(floor['wall_s'])} s"
           f" ({fmt(floor['cpu_s'])} s of CPU) and {fmt(floor['peak_rss_mb'], 0)} MB",
           f"  (fastest of {floor['runs']} runs: process start, the .NET runtime and its JIT, the first connections, migrating the tables)."]
    if e and e.get("wall_s") and e.get("peak_rss_mb"):
        out.append(f"  At {n:,} records that is {fmt(100 * floor['wall_s'] / e['wall_s'], 0)}% of e's wall time and"
                   f" {fmt(100 * floor['peak_rss_mb'] / e['peak_rss_mb'], 0)}% of its peak memory.")
    if a and a.get("peak_rss_mb"):
        allowed = a["peak_rss_mb"] / TARGETS["a_memory_over_e"]
        left = allowed - floor["peak_rss_mb"]
        out.append(f"  20× less memory than pandas at {n:,} records ({fmt(a['peak_rss_mb'], 0)} MB) means at most {allowed:.1f} MB; the"
                   f" floor alone is {floor['peak_rss_mb']:.1f} MB, "
                   + (f"{-left:.1f} MB over it before any record is held." if left < 0 else f"leaving {left:.1f} MB for the records."))
    return out


def main(argv):
    raw = argv[0]
    command = argv[argv.index("--command") + 1] if "--command" in argv else "bench/compare.sh"
    server = argv[argv.index("--server") + 1] if "--server" in argv else None
    entries = load(raw)
    rows = [summarize(e) for e in entries]
    # The single-record runs measure the worker's fixed cost; they are not a size of the comparison.
    floor_runs = [r for r in rows if r["system"] == "worker-floor" and r["status"] == "ok"]
    rows = medians([r for r in rows if r["system"] != "worker-floor"])
    floor = dict(min(floor_runs, key=lambda r: r["wall_s"]), runs=len(floor_runs)) if floor_runs else None
    rat, growth = ratios(rows)
    meta = {
        "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "server": server,
        "command": command,
    }
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    os.makedirs(os.path.join(ROOT, "docs"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "results", "latest.json"), "w") as f:
        json.dump({"meta": meta, "targets": TARGETS, "rows": rows, "ratios": rat, "e_rss_growth_100k_to_1m": growth,
                   "worker_fixed_cost": floor, "raw": entries}, f, indent=2)
    fields = ["records", "system", "status", "wall_s", "cpu_s", "peak_rss_mb", "timed_s", "rows", "rows_per_s", "server_cpu_s", "note"]
    with open(os.path.join(ROOT, "bench", "results", "latest.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow(r)
    svg_chart(rows, os.path.join(ROOT, "docs", "benchmarks.svg"))
    markdown(rows, rat, growth, meta, command, os.path.join(ROOT, "docs", "benchmarks.md"), floor)
    for n, x in rat.items():
        print(f"   {int(n):>9,}: " + ", ".join(f"{k}={fmt(v)}" for k, v in x.items()))
    if growth is not None:
        print(f"   worker peak RSS 100k -> 1M: {growth * 100:+.1f}%")
    if floor:
        print(f"   worker fixed cost (1 record): wall {fmt(floor['wall_s'])} s, CPU {fmt(floor['cpu_s'])} s, peak RSS {fmt(floor['peak_rss_mb'], 0)} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
