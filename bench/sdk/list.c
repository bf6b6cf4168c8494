/*
 * C baseline for the listing benchmark: list every domain of a connection and
 * read its name, UUID and info, then free it - what the SDK and Python do.
 *
 * Usage: list URI WARMUP
 * Runs WARMUP listings, prints `count <domains>` and `ready`, then serves
 * part-list.ts: for each line on stdin, one untimed listing and a timed one,
 * printed as `list <ms> <cpu us>` (CPU of this process). Opening the
 * connection (which loads the test driver's node file) is not timed.
 */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Folded into the output so no result is dead. */
static unsigned long sink;

/* One listing; returns the number of domains, or -1 on failure. */
static int list_once(virConnectPtr conn)
{
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(conn, &doms, 0);
    if (n < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        char uuid[VIR_UUID_STRING_BUFLEN];
        virDomainInfo info;
        const char *name = virDomainGetName(doms[i]);
        if (!name || virDomainGetUUIDString(doms[i], uuid) < 0 || virDomainGetInfo(doms[i], &info) < 0)
            return -1;
        sink += (unsigned long)name[0] + (unsigned long)uuid[0] + info.memory;
        virDomainFree(doms[i]);
    }
    free(doms);
    return n;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s URI WARMUP\n", argv[0]);
        return 2;
    }
    long warmup = atol(argv[2]);
    virConnectPtr conn = virConnectOpen(argv[1]);
    if (!conn) {
        fprintf(stderr, "cannot open %s\n", argv[1]);
        return 1;
    }
    int count = 0;
    for (long i = 0; i < warmup; i++)
        count = list_once(conn);
    printf("count %d\nready\n", count);
    fflush(stdout);
    char line[64];
    while (fgets(line, sizeof line, stdin)) {
        list_once(conn); /* untimed: the machine may still be settling from another listing */
        double c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID), t0 = now_ms(CLOCK_MONOTONIC);
        count = list_once(conn);
        double ms = now_ms(CLOCK_MONOTONIC) - t0, cpu = now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
        if (count < 0) {
            fprintf(stderr, "listing failed\n");
            return 1;
        }
        printf("list %.3f %.0f\n", ms, cpu * 1e3);
        fflush(stdout);
    }
    virConnectClose(conn);
    return sink == 0 ? 1 : 0;
}
