"""libvirt-python side of the getInfo benchmark: CALLS dom.info() calls in
sequence, then through a ThreadPoolExecutor of POOL threads (libvirt-python
releases the GIL during the call, so the threads overlap their round trips).

Usage: info.py URI DOMAIN CALLS WARMUP REPS POOL [DAEMON_PID]
Output: `seq <ms per rep...>` and `pool <ms per rep...>`, each followed by
`<label>_client <us...>` and, given DAEMON_PID, `<label>_daemon <us...>`: the
CPU of this process and of the daemon in each rep, as info.c prints them.
"""
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import libvirt


def process_us(pid):
    """CPU microseconds all threads of process `pid` have run, or None if unreadable.

    From each thread's schedstat (nanoseconds): /proc/PID/stat counts clock ticks, 10 ms
    each, too coarse for bursts of about 150 ms.
    """
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return None
    ns, threads = 0, 0
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                ns += int(f.read().split()[0])
            threads += 1
        except (OSError, ValueError, IndexError):
            pass  # the thread has exited meanwhile
    return ns // 1000 if threads > 0 else None


def main():
    if len(sys.argv) not in (7, 8):
        sys.stderr.write("usage: info.py URI DOMAIN CALLS WARMUP REPS POOL [DAEMON_PID]\n")
        return 2
    uri, name = sys.argv[1], sys.argv[2]
    calls, warmup, reps, pool_size = (int(a) for a in sys.argv[3:7])
    daemon = int(sys.argv[7]) if len(sys.argv) == 8 else 0
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    conn = libvirt.open(uri)
    dom = conn.lookupByName(name)
    info = dom.info  # bound method, looked up once

    def seq():
        for _ in range(calls):
            info()

    # The pool is created once, outside the timing, as the SDK's threads are.
    with ThreadPoolExecutor(pool_size) as ex:
        def pooled():
            for _ in ex.map(lambda _i: info(), range(calls)):
                pass

        for label, fn in (("seq", seq), ("pool", pooled)):
            for _ in range(warmup):
                fn()
            out, client, served = [label], [label + "_client"], [label + "_daemon"]
            for _ in range(reps):
                c0 = time.process_time_ns()
                d0 = process_us(daemon) if daemon > 0 else None
                t0 = time.perf_counter_ns()
                fn()
                out.append("%.3f" % ((time.perf_counter_ns() - t0) / 1e6))
                d1 = process_us(daemon) if daemon > 0 else None
                client.append(str((time.process_time_ns() - c0) // 1000))
                served.append(None if d0 is None or d1 is None else str(d1 - d0))
            rows = [out, client] + ([served] if None not in served else [])
            for row in rows:
                print(" ".join(row), flush=True)
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
