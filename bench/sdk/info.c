/*
 * C baseline for the getInfo benchmark: CALLS virDomainGetInfo calls on one
 * domain in sequence, then spread over POOL threads sharing the connection
 * (what libvirt-python's thread pool does, without the interpreter). The
 * threaded figure is the most this client machine and daemon allow.
 *
 * Usage: info URI DOMAIN CALLS WARMUP REPS POOL
 * Output: `seq <ms per rep...>` and `pool <ms per rep...>` (info.py's format).
 */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

struct job {
    virDomainPtr dom;
    long calls;
    int failed;
};

static void *run_calls(void *arg)
{
    struct job *j = arg;
    virDomainInfo info;
    for (long i = 0; i < j->calls; i++) {
        if (virDomainGetInfo(j->dom, &info) < 0 || info.state != VIR_DOMAIN_RUNNING) {
            j->failed = 1;
            break;
        }
    }
    return NULL;
}

/* CALLS calls over `threads` threads (1: on this thread); 0 on success. */
static int burst(virDomainPtr dom, long calls, int threads)
{
    struct job jobs[64];
    pthread_t tids[64];
    int failed = 0;
    if (threads == 1) {
        jobs[0] = (struct job){ dom, calls, 0 };
        run_calls(&jobs[0]);
        return jobs[0].failed;
    }
    for (int t = 0; t < threads; t++) {
        jobs[t] = (struct job){ dom, calls / threads + (t < calls % threads ? 1 : 0), 0 };
        pthread_create(&tids[t], NULL, run_calls, &jobs[t]);
    }
    for (int t = 0; t < threads; t++) {
        pthread_join(tids[t], NULL);
        failed |= jobs[t].failed;
    }
    return failed;
}

static int row(const char *label, virDomainPtr dom, long calls, long warmup, long reps, int threads)
{
    for (long i = 0; i < warmup; i++)
        if (burst(dom, calls, threads))
            return 1;
    printf("%s", label);
    for (long r = 0; r < reps; r++) {
        double t0 = now_ms();
        if (burst(dom, calls, threads))
            return 1;
        printf(" %.3f", now_ms() - t0);
    }
    printf("\n");
    fflush(stdout);
    return 0;
}

static void quiet(void *data, virErrorPtr err)
{
    (void)data;
    (void)err;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: %s URI DOMAIN CALLS WARMUP REPS POOL\n", argv[0]);
        return 2;
    }
    long calls = atol(argv[3]), warmup = atol(argv[4]), reps = atol(argv[5]);
    int pool = atoi(argv[6]);
    if (pool < 1 || pool > 64) {
        fprintf(stderr, "POOL must be 1..64\n");
        return 2;
    }
    virSetErrorFunc(NULL, quiet);
    virConnectPtr conn = virConnectOpen(argv[1]);
    virDomainPtr dom = conn ? virDomainLookupByName(conn, argv[2]) : NULL;
    if (!dom) {
        fprintf(stderr, "cannot open %s or find %s: %s\n", argv[1], argv[2], virGetLastErrorMessage());
        return 1;
    }
    int rc = row("seq", dom, calls, warmup, reps, 1) || row("pool", dom, calls, warmup, reps, pool);
    if (rc)
        fprintf(stderr, "virDomainGetInfo failed or the domain is not running: %s\n", virGetLastErrorMessage());
    virDomainFree(dom);
    virConnectClose(conn);
    return rc;
}
