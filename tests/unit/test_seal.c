/*  Unit tests for br_seal: round trip, tampering, wrong recipient, header
    binding, and no plaintext left behind. */
#include "brine.h"
#include "testutil.h"

#include <sodium.h>

static br_secret_t *
s_open(br_sealer_t *sealer, const uint8_t *peer, const char *header, zframe_t *sealed, int *rc)
{
    br_secret_t *body = NULL;
    *rc = br_open(sealer, peer, (const uint8_t *)header, strlen(header), zframe_data(sealed),
                  zframe_size(sealed), &body);
    return body;
}

int
main(void)
{
    br_keypair_t *master = br_keypair_generate();
    br_keypair_t *minion = br_keypair_generate();
    br_keypair_t *rogue = br_keypair_generate();
    CHECK(master && minion && rogue);
    br_sealer_t *m = br_sealer_new(master);
    br_sealer_t *n = br_sealer_new(minion);
    br_sealer_t *r = br_sealer_new(rogue);
    const char *header = "v1 jid=20261128053000123456 exp=1";
    const char *body = "the body of a job";
    int rc;

    zframe_t *sealed = br_seal(m, br_keypair_public(minion), (const uint8_t *)header,
                               strlen(header), (const uint8_t *)body, strlen(body));
    CHECK(sealed);
    CHECK_EQ_INT(zframe_size(sealed), strlen(body) + BR_SEAL_OVERHEAD);
    CHECK(!memmem(zframe_data(sealed), zframe_size(sealed), body, strlen(body)));

    br_secret_t *opened = s_open(n, br_keypair_public(master), header, sealed, &rc);
    CHECK_EQ_INT(rc, BR_OK);
    CHECK(opened && br_secret_size(opened) == strlen(body) &&
          memcmp(br_secret_data(opened), body, strlen(body)) == 0);
    br_secret_destroy(&opened);

    //  Every single-bit flip anywhere in the sealed frame is refused
    int accepted = 0;
    for (size_t i = 0; i < zframe_size(sealed); i++) {
        for (int bit = 0; bit < 8; bit++) {
            zframe_data(sealed)[i] ^= (uint8_t)(1 << bit);
            opened = s_open(n, br_keypair_public(master), header, sealed, &rc);
            accepted += rc == BR_OK || opened;
            br_secret_destroy(&opened);
            zframe_data(sealed)[i] ^= (uint8_t)(1 << bit);
        }
    }
    CHECK_EQ_INT(accepted, 0);

    //  A flipped bit in the clear header, a swapped header, an extended one
    char edited[64];
    snprintf(edited, sizeof edited, "%s", header);
    edited[5] ^= 1;
    opened = s_open(n, br_keypair_public(master), edited, sealed, &rc);
    CHECK_EQ_INT(rc, BR_ERR_CRYPTO);
    CHECK(opened == NULL);
    opened = s_open(n, br_keypair_public(master), "v1 jid=20261128053000123456 exp=9", sealed, &rc);
    CHECK_EQ_INT(rc, BR_ERR_CRYPTO);

    //  Wrong recipient; or a rogue claiming to be the master
    opened = s_open(r, br_keypair_public(master), header, sealed, &rc);
    CHECK_EQ_INT(rc, BR_ERR_CRYPTO);
    CHECK(opened == NULL);
    opened = s_open(n, br_keypair_public(rogue), header, sealed, &rc);
    CHECK_EQ_INT(rc, BR_ERR_CRYPTO);

    //  Truncated
    br_secret_t *none = NULL;
    CHECK_EQ_INT(br_open(n, br_keypair_public(master), (const uint8_t *)header, strlen(header),
                         zframe_data(sealed), BR_SEAL_OVERHEAD - 1, &none),
                 BR_ERR_TRUNCATED);
    CHECK(none == NULL);

    //  Shared keys are computed once per peer
    CHECK_EQ_INT(br_sealer_cached(m), 1);
    zframe_t *again = br_seal(m, br_keypair_public(minion), (const uint8_t *)header, strlen(header),
                              (const uint8_t *)body, strlen(body));
    CHECK_EQ_INT(br_sealer_cached(m), 1);
    //  Fresh nonce every time
    CHECK(memcmp(zframe_data(again), zframe_data(sealed), 24) != 0);
    br_sealer_forget(m, br_keypair_public(minion));
    CHECK_EQ_INT(br_sealer_cached(m), 0);
    zframe_destroy(&again);
    zframe_destroy(&sealed);

    //  An empty body is legal
    sealed =
        br_seal(m, br_keypair_public(minion), (const uint8_t *)header, strlen(header), NULL, 0);
    opened = s_open(n, br_keypair_public(master), header, sealed, &rc);
    CHECK_EQ_INT(rc, BR_OK);
    CHECK(opened && br_secret_size(opened) == 0);
    br_secret_destroy(&opened);
    zframe_destroy(&sealed);

    //  A secret body leaves no plaintext copy once the opened secret is gone
    enum { N = 32 };
    br_secret_t *passphrase = br_secret_new(N);
    randombytes_buf(br_secret_data(passphrase), N);
    uint8_t inverted[N];
    for (size_t i = 0; i < N; i++) {
        inverted[i] = (uint8_t)~br_secret_data(passphrase)[i];
    }
    sealed = br_seal(m, br_keypair_public(minion), (const uint8_t *)header, strlen(header),
                     br_secret_data(passphrase), N);
    br_secret_destroy(&passphrase);
    CHECK_EQ_INT(test_memscan(0, inverted, N), 0);
    opened = s_open(n, br_keypair_public(master), header, sealed, &rc);
    CHECK_EQ_INT(test_memscan(0, inverted, N), 1);
    br_secret_destroy(&opened);
    CHECK_EQ_INT(test_memscan(0, inverted, N), 0);
    zframe_destroy(&sealed);

    //  Plaintexts pass through each sealer's scratch buffer: a body larger
    //  than it makes it grow, and an open that fails verification (here a
    //  header swapped on the wire) must leave no plaintext there either
    enum { BIG = 10000 };
    br_secret_t *big = br_secret_new(BIG);
    randombytes_buf(br_secret_data(big), BIG);
    for (size_t i = 0; i < N; i++) {
        inverted[i] = (uint8_t)~br_secret_data(big)[BIG - N + i];
    }
    sealed = br_seal(m, br_keypair_public(minion), (const uint8_t *)header, strlen(header),
                     br_secret_data(big), BIG);
    br_secret_destroy(&big);
    CHECK(sealed != NULL);
    CHECK_EQ_INT(test_memscan(0, inverted, N), 0);
    opened = s_open(n, br_keypair_public(master), header, sealed, &rc);
    CHECK_EQ_INT(rc, BR_OK);
    CHECK_EQ_INT(test_memscan(0, inverted, N), 1);
    br_secret_destroy(&opened);
    CHECK_EQ_INT(test_memscan(0, inverted, N), 0);
    //  The box opens, the header it was bound to is not this one: the
    //  plaintext was in the scratch buffer and must be gone
    opened = s_open(n, br_keypair_public(master), "another header", sealed, &rc);
    CHECK_EQ_INT(rc, BR_ERR_CRYPTO);
    CHECK(opened == NULL);
    CHECK_EQ_INT(test_memscan(0, inverted, N), 0);
    zframe_destroy(&sealed);

    br_sealer_destroy(&m);
    br_sealer_destroy(&n);
    br_sealer_destroy(&r);
    CHECK(m == NULL);
    br_keypair_destroy(&master);
    br_keypair_destroy(&minion);
    br_keypair_destroy(&rogue);
    return test_done("unit_seal");
}
