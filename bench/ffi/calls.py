"""libvirt-python side of the FFI benchmark.

Usage: calls.py URI DOMAIN WARMUP BATCHES CALLS_NAME_ID CALLS_INFO
Output is the same line protocol as calls.c:  <fn> <ns/call per batch...>
Exit status 3 means the libvirt module is not installed (the caller skips
this column rather than failing).
"""
import sys
import time

try:
    import libvirt
except ImportError:
    sys.stderr.write("python3-libvirt is not installed (import libvirt failed)\n")
    sys.exit(3)


def run(label, fn, warmup, batches, calls):
    for _ in range(warmup):
        fn()
    out = [label]
    for _ in range(batches):
        # The loop overhead is counted on purpose: it is part of what a
        # Python caller pays per call, just as the JS loop is for tsvirt.
        t0 = time.perf_counter_ns()
        for _ in range(calls):
            fn()
        out.append("%.3f" % ((time.perf_counter_ns() - t0) / calls))
    print(" ".join(out), flush=True)


def main():
    if len(sys.argv) != 7:
        sys.stderr.write("usage: calls.py URI DOMAIN WARMUP BATCHES CALLS_NAME_ID CALLS_INFO\n")
        return 2
    uri, name = sys.argv[1], sys.argv[2]
    warmup, batches, calls, calls_info = (int(a) for a in sys.argv[3:7])

    conn = libvirt.open(uri)
    dom = conn.lookupByName(name)
    # Bound methods, looked up once, like the C function pointers.
    run("name", dom.name, warmup, batches, calls)
    run("id", dom.ID, warmup, batches, calls)
    run("info", dom.info, warmup, batches, calls_info)
    del dom
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
