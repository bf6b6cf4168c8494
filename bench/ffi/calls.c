/*
 * C baseline for the FFI benchmark: the same three libvirt calls the
 * bindings make, with nothing in between.
 *
 * Usage: calls URI DOMAIN WARMUP BATCHES CALLS_NAME_ID CALLS_INFO
 * Output, one line per function:  <fn> <ns/call batch 1> <ns/call batch 2> ...
 * where <fn> is name, id or info. The caller computes the statistics, so
 * every implementation is summarised by exactly the same code.
 */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* Results land here so the compiler must keep each call's result live
 * (calls into a shared library cannot be elided anyway; this is belt and braces). */
static volatile unsigned long sink;

static void call_name(virDomainPtr d) { sink += (unsigned long)virDomainGetName(d)[0]; }
static void call_id(virDomainPtr d) { sink += virDomainGetID(d); }
static void call_info(virDomainPtr d)
{
    virDomainInfo info;
    if (virDomainGetInfo(d, &info) < 0) {
        fprintf(stderr, "virDomainGetInfo failed\n");
        exit(1);
    }
    sink += info.state;
}

static void run(const char *label, void (*fn)(virDomainPtr), virDomainPtr d,
                long warmup, long batches, long calls)
{
    for (long i = 0; i < warmup; i++)
        fn(d);
    printf("%s", label);
    for (long b = 0; b < batches; b++) {
        double t0 = now_ns();
        for (long i = 0; i < calls; i++)
            fn(d);
        printf(" %.3f", (now_ns() - t0) / (double)calls);
    }
    printf("\n");
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: %s URI DOMAIN WARMUP BATCHES CALLS_NAME_ID CALLS_INFO\n", argv[0]);
        return 2;
    }
    long warmup = atol(argv[3]), batches = atol(argv[4]);
    long calls = atol(argv[5]), callsInfo = atol(argv[6]);

    virConnectPtr conn = virConnectOpen(argv[1]);
    if (!conn) {
        fprintf(stderr, "cannot open %s\n", argv[1]);
        return 1;
    }
    virDomainPtr dom = virDomainLookupByName(conn, argv[2]);
    if (!dom) {
        fprintf(stderr, "no domain %s\n", argv[2]);
        virConnectClose(conn);
        return 1;
    }

    run("name", call_name, dom, warmup, batches, calls);
    run("id", call_id, dom, warmup, batches, calls);
    run("info", call_info, dom, warmup, batches, callsInfo);

    virDomainFree(dom);
    virConnectClose(conn);
    return 0;
}
