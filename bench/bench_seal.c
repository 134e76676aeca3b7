/*  bench_seal: seals and opens per second of a 512-byte job body, as the
    master seals it to a minion (br_seal: the shared key precomputed once per
    minion and cached) and as the minion opens it (br_open), beside
    libsodium's crypto_box_easy and crypto_box_open_easy, which compute the
    X25519 shared key at every call. Median of several rounds with the
    slowest and fastest. Not a test: it never fails on speed.

    Usage: bench_seal [ROUNDS] */
#include "bench_stats.h"
#include "brine.h"

#include <sodium.h>
#include <stdio.h>
#include <time.h>

#define S_BODY 512
#define S_MAX_ROUNDS 101

static double
s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
s_report(const char *what, double *rates, int rounds)
{
    double median = bench_median(rates, rounds);
    printf("  %-44s median %9.0f /s  %6.2f us each  (min %.0f, max %.0f /s, %d rounds)\n", what,
           median, 1e6 / median, rates[0], rates[rounds - 1], rounds);
}

int
main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 7;
    if (rounds < 1 || rounds > S_MAX_ROUNDS || sodium_init() < 0) {
        fprintf(stderr, "usage: bench_seal [ROUNDS (1-%d)]\n", S_MAX_ROUNDS);
        return 2;
    }
    br_keypair_t *master = br_keypair_generate(), *minion = br_keypair_generate();
    br_sealer_t *sealer = master ? br_sealer_new(master) : NULL;
    br_sealer_t *opener = minion ? br_sealer_new(minion) : NULL;
    if (!sealer || !opener) {
        fprintf(stderr, "bench_seal: cannot make keys\n");
        return 1;
    }
    uint8_t body[S_BODY], header[64], nonce[crypto_box_NONCEBYTES];
    uint8_t boxed[S_BODY + crypto_box_MACBYTES], plain[S_BODY];
    randombytes_buf(body, sizeof body);
    randombytes_buf(header, sizeof header);
    randombytes_buf(nonce, sizeof nonce);
    const int fast = 20000, slow = 2000;
    double seal[S_MAX_ROUNDS], open[S_MAX_ROUNDS], box[S_MAX_ROUNDS], unbox[S_MAX_ROUNDS];
    zframe_t *sample =
        br_seal(sealer, br_keypair_public(minion), header, sizeof header, body, sizeof body);
    int failures = 0;
    for (int r = 0; r < rounds; r++) {
        double t0 = s_now();
        for (int i = 0; i < fast; i++) {
            zframe_t *sealed = br_seal(sealer, br_keypair_public(minion), header, sizeof header,
                                       body, sizeof body);
            failures += !sealed;
            zframe_destroy(&sealed);
        }
        double t1 = s_now();
        for (int i = 0; i < fast; i++) {
            br_secret_t *opened = NULL;
            failures += br_open(opener, br_keypair_public(master), header, sizeof header,
                                zframe_data(sample), zframe_size(sample), &opened) != BR_OK;
            br_secret_destroy(&opened);
        }
        double t2 = s_now();
        for (int i = 0; i < slow; i++) {
            failures += crypto_box_easy(boxed, body, sizeof body, nonce, br_keypair_public(minion),
                                        br_keypair_secret(master)) != 0;
        }
        double t3 = s_now();
        for (int i = 0; i < slow; i++) {
            failures +=
                crypto_box_open_easy(plain, boxed, sizeof boxed, nonce, br_keypair_public(master),
                                     br_keypair_secret(minion)) != 0;
        }
        double t4 = s_now();
        seal[r] = fast / (t1 - t0);
        open[r] = fast / (t2 - t1);
        box[r] = slow / (t3 - t2);
        unbox[r] = slow / (t4 - t3);
    }
    printf("bench_seal: a %d-byte body, one thread\n", S_BODY);
    s_report("seals, shared key precomputed (br_seal)", seal, rounds);
    s_report("opens, shared key precomputed (br_open)", open, rounds);
    s_report("seals, X25519 each time (crypto_box_easy)", box, rounds);
    s_report("opens, X25519 each time (crypto_box_open_easy)", unbox, rounds);
    br_wipe(plain, sizeof plain);
    zframe_destroy(&sample);
    br_sealer_destroy(&sealer);
    br_sealer_destroy(&opener);
    br_keypair_destroy(&master);
    br_keypair_destroy(&minion);
    if (failures) {
        fprintf(stderr, "bench_seal: %d operations failed\n", failures);
        return 1;
    }
    return 0;
}
