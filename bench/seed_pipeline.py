#!/usr/bin/python3
"""The seed's pandas pipeline, reconstructed from shared/seed/successapp-memory-incident.txt, for bench/compare.sh.

    /usr/bin/python3 bench/seed_pipeline.py FILE.ndjson            # (a) with the seed's fix: drop_duplicates before each merge
    /usr/bin/python3 bench/seed_pipeline.py FILE.ndjson --no-dedup # (b) the incident's shape: the same merges, no drop_duplicates

The shape follows the incident note: the records as one data frame, one json_normalize per parent array field
(territories, bridges, tags, stage_history; the child's columns prefixed "<field>_", nested objects joined with ".",
so "territories_association.target_id" as in Heroku), all frames outer-merged on "id" (functools.reduce), the list
columns dropped, the result object merged on "result_id", result_reasons exploded with the per-row
pd.concat([pd.DataFrame(x) ...], keys=id_p) of the note, renamed, merged back on "id", and date_inserted added.
Lines marked "seed line N" are the note's code.

Where the note's code cannot run as written on these records, the smallest change that keeps its meaning is made and
said so: drop_duplicates() raises TypeError on columns holding lists or dicts (owner, custom_fields,
stage_history_changes stay objects, as the note only explodes result_reasons), so those frames are deduplicated on
the rows' str() instead (the usual df.astype(str) idiom).

Prints progress to stderr and one JSON line with rows, seconds and peak RSS to stdout. A memory cap is the
caller's (prlimit --as); a MemoryError is reported as {"error": "MemoryError"} with exit code 3.
"""
import functools as ft
import json
import resource
import sys
import time
from datetime import datetime

import pandas as pd

PARENT_FIELDS = ["territories", "bridges", "tags", "stage_history"]


def log(message):
    print(f"[seed_pipeline {time.monotonic() - START:7.1f}s, peak {peak_mb():6.0f} MB] {message}", file=sys.stderr, flush=True)


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def drop_duplicates(df):
    """df.drop_duplicates(), or on the rows' text where a column holds lists or dicts (unhashable)."""
    try:
        return df.drop_duplicates()
    except TypeError:
        return df.loc[~df.astype(str).duplicated()]


def run(path, dedup):
    with open(path, encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    log(f"read {len(records):,} records")

    # The records as one frame: nested objects and arrays stay as objects (the note drops them after the merges).
    df = pd.json_normalize(records, max_level=0)
    dfs = [df]
    for field in PARENT_FIELDS:
        with_field = [r for r in records if isinstance(r.get(field), list)]
        dfs.append(pd.json_normalize(with_field, record_path=field, meta=["id"], record_prefix=f"{field}_"))
    df_result = pd.json_normalize([r["result"] for r in records if isinstance(r.get("result"), dict)]).add_prefix("result_")
    log("normalized: " + ", ".join(f"{len(d):,}" for d in dfs) + f"; result {len(df_result):,}")

    if dedup:
        # The seed's fix: "drop duplicate records BEFORE each merge".
        dfs = [drop_duplicates(d) for d in dfs]
        log("dropped duplicates: " + ", ".join(f"{len(d):,}" for d in dfs))

    df_final = ft.reduce(lambda left, right: pd.merge(left, right, on=["id"], how="outer"), dfs)  # seed line 1
    log(f"merged on id: {len(df_final):,} rows")
    df_final = df_final.drop("bridges", axis=1)  # seed lines 2-5
    df_final = df_final.drop("territories", axis=1)
    df_final = df_final.drop("tags", axis=1)
    df_final = df_final.drop("stage_history", axis=1)
    if dedup:
        df_result = df_result.drop_duplicates()  # seed line 6
    df_final_r = pd.merge(df_final, df_result, on="result_id", how="left")  # seed line 7
    log(f"merged on result_id: {len(df_final_r):,} rows")

    df_final_r = df_final_r.drop("result", axis=1)  # seed lines 8-10
    df_final_r["id_p"] = df_final_r["id"]
    df_final_r = df_final_r.drop("id", axis=1)
    df_result_reasons = pd.concat([pd.DataFrame(x) for x in df_final_r["result_reasons"]], keys=df_final_r["id_p"]).reset_index()  # seed line 11
    log(f"exploded result_reasons: {len(df_result_reasons):,} rows")
    df_result_reasons["result_reasons_id"] = df_result_reasons["id"]  # seed lines 12-21
    df_result_reasons = df_result_reasons.drop("id", axis=1)
    df_result_reasons["id"] = df_result_reasons["id_p"]
    df_result_reasons = df_result_reasons.drop("id_p", axis=1)
    df_result_reasons["result_reasons_title"] = df_result_reasons["title"]
    df_result_reasons["result_reasons_created_at"] = df_result_reasons["created_at"]
    df_result_reasons["result_reasons_updated_at"] = df_result_reasons["updated_at"]
    df_result_reasons = df_result_reasons.drop("title", axis=1)
    df_result_reasons = df_result_reasons.drop("created_at", axis=1)
    df_result_reasons = df_result_reasons.drop("updated_at", axis=1)
    df_final_r["id"] = df_final_r["id_p"]  # seed lines 22-24
    df_final_r = df_final_r.drop("id_p", axis=1)
    df_final_r = df_final_r.drop("result_reasons", axis=1)
    if dedup:
        df_final_r = drop_duplicates(df_final_r)  # seed line 25
        df_result_reasons = df_result_reasons.drop_duplicates()  # seed line 26
    df_final_update1 = pd.merge(df_final_r, df_result_reasons, on="id", how="left")  # seed line 27
    df_final_update1["date_inserted"] = datetime.now()  # seed line 28
    log(f"final frame: {len(df_final_update1):,} rows x {len(df_final_update1.columns)} columns")
    return len(records), df_final_update1


START = time.monotonic()


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    dedup = "--no-dedup" not in sys.argv[1:]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    log(f"pandas {pd.__version__}, {'with' if dedup else 'WITHOUT'} drop_duplicates before the merges")
    try:
        records, final = run(args[0], dedup)
    except MemoryError:
        print(json.dumps({"error": "MemoryError", "seconds": time.monotonic() - START, "peak_rss_mb": peak_mb()}), flush=True)
        log("MemoryError: the memory cap was reached")
        return 3
    memory = int(final.memory_usage(index=True).sum())  # seed: df_final_update1.memory_usage(index=True).sum()
    print(json.dumps({
        "mode": "pandas" if dedup else "pandas-no-dedup",
        "records": records,
        "rows": len(final),
        "columns": len(final.columns),
        "frame_bytes": memory,
        "seconds": time.monotonic() - START,
        "peak_rss_mb": peak_mb(),
        "pandas": pd.__version__,
    }), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
