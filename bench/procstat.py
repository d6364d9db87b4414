#!/usr/bin/python3
"""CPU of the PostgreSQL server and of its backends, from /proc (standard library only), for bench/compare.sh.

    procstat.py server-cpu PGDATA
        Seconds of CPU the whole server has used: utime+stime of the postmaster and of every live child, plus the
        postmaster's cutime+cstime (exited backends are added there when it reaps them). Take it before and after a
        step; the difference is what the server spent on that step, whichever backends came and went.

    procstat.py statements SERVER_LOG_PART
        Sums the "duration: N ms" lines that log_min_duration_statement = 0 wrote, by kind of statement: the COPYs
        into staging, the merge, the rest (state, counts, DDL). Prints JSON.

    procstat.py sample --db NAME --pid PID --out FILE [--interval 0.1]
        Until PID exits: every interval, the state and CPU of each backend connected to database NAME and of the
        threads of PID and its descendants. Writes JSON: backend CPU seconds, the share of samples in which the busiest
        backend was running (state R), how many client threads were running on average.
"""
import json
import os
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def stat(pid, task=None):
    path = f"/proc/{pid}/task/{task}/stat" if task else f"/proc/{pid}/stat"
    with open(path) as f:
        text = f.read()
    comm = text[text.index("(") + 1:text.rindex(")")]
    fields = text[text.rindex(")") + 2:].split()
    # fields[0] is field 3 (state); utime, stime, cutime, cstime are fields 14-17.
    return {
        "comm": comm,
        "state": fields[0],
        "ppid": int(fields[1]),
        "cpu": (int(fields[11]) + int(fields[12])) / TICK,
        "children_cpu": (int(fields[13]) + int(fields[14])) / TICK,
    }


def pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def postmaster_pid(pgdata):
    with open(os.path.join(pgdata, "postmaster.pid")) as f:
        return int(f.readline())


def server_cpu(pgdata):
    root = postmaster_pid(pgdata)
    master = stat(root)
    total = master["cpu"] + master["children_cpu"]
    for pid in pids():
        try:
            s = stat(pid)
        except OSError:
            continue
        if s["ppid"] == root:
            total += s["cpu"]
    return total


def descendants(root):
    found, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    for child in f.read().split():
                        if int(child) not in found:
                            found.add(int(child))
                            frontier.append(int(child))
        except OSError:
            pass
    return found


def sample(db, root, out, interval):
    backends = {}   # pid -> {"cpu": last seen, "samples": n, "running": n}
    samples = 0
    client_running = 0
    client_threads = {}
    needle = f" {db} "
    start = time.monotonic()
    while os.path.exists(f"/proc/{root}"):
        samples += 1
        for pid in pids():
            line = cmdline(pid)
            if line.startswith("postgres: ") and needle in line:
                try:
                    s = stat(pid)
                except OSError:
                    continue
                b = backends.setdefault(pid, {"cpu": 0.0, "samples": 0, "running": 0, "title": line.strip()})
                b["cpu"] = s["cpu"]
                b["samples"] += 1
                b["running"] += s["state"] == "R"
        for pid in descendants(root):
            try:
                tasks = os.listdir(f"/proc/{pid}/task")
            except OSError:
                continue
            for task in tasks:
                try:
                    s = stat(pid, task)
                except OSError:
                    continue
                t = client_threads.setdefault(f"{pid}/{task}", {"comm": s["comm"], "running": 0, "cpu": 0.0})
                t["cpu"] = s["cpu"]
                if s["state"] == "R":
                    t["running"] += 1
                    client_running += 1
        time.sleep(interval)
    busiest = max(backends.values(), key=lambda b: b["cpu"], default=None)
    busy_threads = sorted(client_threads.values(), key=lambda t: -t["cpu"])[:4]
    result = {
        "seconds_sampled": time.monotonic() - start,
        "samples": samples,
        "backend_cpu_seconds": sum(b["cpu"] for b in backends.values()),
        "writing_backends": sum(1 for b in backends.values() if b["cpu"] >= 0.1),
        "busiest_backend_cpu_seconds": busiest["cpu"] if busiest else 0.0,
        "busiest_backend_running_share": busiest["running"] / busiest["samples"] if busiest and busiest["samples"] else 0.0,
        "client_threads_running_avg": client_running / samples if samples else 0.0,
        "client_busiest_threads": [{"comm": t["comm"], "cpu_seconds": t["cpu"], "running_share": t["running"] / samples} for t in busy_threads],
    }
    with open(out, "w") as f:
        json.dump(result, f)


def statements(path):
    kinds = {"copy_direct": 0.0, "copy_to_staging": 0.0, "key_lookup": 0.0, "merge": 0.0, "commit": 0.0, "migrate": 0.0, "other": 0.0}
    counts = {k: 0 for k in kinds}
    by_text = {}
    with open(path, errors="replace") as f:
        for line in f:
            at = line.find("duration: ")
            if at < 0:
                continue
            rest = line[at + len("duration: "):]
            ms = float(rest.split(" ", 1)[0])
            text = rest.split(":", 1)[1] if ":" in rest else ""
            if '"_successapp_keys"' in text:
                kind = "key_lookup"
            elif 'COPY "_stage' in text or "COPY successapp" in text:
                kind = "copy_to_staging"
            elif text.lstrip().startswith("COPY "):
                kind = "copy_direct"
            elif "WITH upserted" in text or '"_accepted_' in text or (
                    text.lstrip().startswith(("INSERT INTO ", "DELETE FROM ")) and "successapp_" not in text):
                kind = "merge"
            elif text.strip().upper() in ("COMMIT", "BEGIN", "BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED"):
                kind = "commit"
            elif any(w in text for w in ("CREATE ", "ALTER ", "DROP ", "pg_advisory")):
                kind = "migrate"
            else:
                kind = "other"
            kinds[kind] += ms / 1000.0
            counts[kind] += 1
            head = " ".join(text.split()[:4])[:60]
            by_text[head] = by_text.get(head, 0.0) + ms / 1000.0
    top = sorted(by_text.items(), key=lambda kv: -kv[1])[:6]
    return {"seconds": kinds, "statements": counts, "top": [{"statement": k, "seconds": round(v, 2)} for k, v in top]}


def main(argv):
    if len(argv) >= 2 and argv[0] == "statements":
        print(json.dumps(statements(argv[1])))
        return 0
    if len(argv) >= 2 and argv[0] == "server-cpu":
        print(f"{server_cpu(argv[1]):.2f}")
        return 0
    if argv and argv[0] == "sample":
        opts = dict(zip(argv[1::2], argv[2::2]))
        sample(opts["--db"], int(opts["--pid"]), opts["--out"], float(opts.get("--interval", "0.1")))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
