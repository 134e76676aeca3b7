/*  Unit tests for br_secret: copies, wiping, and that destroyed secrets leave
    no trace in the process's memory. */
#include "brine.h"
#include "testutil.h"

#include <sodium.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>

static void
s_test_basics(void)
{
    br_secret_t *s = br_secret_new(16);
    CHECK(s);
    CHECK_EQ_INT(br_secret_size(s), 16);
    for (size_t i = 0; i < 16; i++) {
        CHECK_EQ_INT(br_secret_data(s)[i], 0);
    }
    br_secret_t *t = br_secret_from_bytes("0123456789abcdef", 16);
    CHECK(!br_secret_equal(s, t));
    memcpy(br_secret_data(s), "0123456789abcdef", 16);
    CHECK(br_secret_equal(s, t));
    br_secret_wipe(t);
    CHECK_EQ_INT(br_secret_size(t), 16);
    for (size_t i = 0; i < 16; i++) {
        CHECK_EQ_INT(br_secret_data(t)[i], 0);
    }
    br_secret_destroy(&s);
    br_secret_destroy(&t);
    CHECK(s == NULL && t == NULL);
    br_secret_destroy(&s); //  idempotent

    br_secret_t *empty = br_secret_new(0);
    CHECK(empty && br_secret_size(empty) == 0 && br_secret_data(empty));
    br_secret_destroy(&empty);
    CHECK(br_secret_new(BR_SECRET_MAX + 1) == NULL);
    CHECK(br_secret_from_frame(NULL) == NULL);
}

//  A secret read from a frame: the frame is wiped, the copy is intact, and
//  once the secret is destroyed its bytes exist nowhere in this process.
static void
s_test_frame_and_leak(void)
{
    enum { N = 32 };
    uint8_t inverted[N];
    zframe_t *frame = zframe_new(NULL, N);
    randombytes_buf(zframe_data(frame), N);
    for (size_t i = 0; i < N; i++) {
        inverted[i] = (uint8_t)~zframe_data(frame)[i];
    }
    CHECK_EQ_INT(test_memscan(0, inverted, N), 1);

    br_secret_t *secret = br_secret_from_frame(frame);
    CHECK(secret);
    bool wiped = true;
    for (size_t i = 0; i < N; i++) {
        wiped = wiped && zframe_data(frame)[i] == 0;
    }
    CHECK(wiped);
    bool intact = true;
    for (size_t i = 0; i < N; i++) {
        intact = intact && (br_secret_data(secret)[i] ^ inverted[i]) == 0xFF;
    }
    CHECK(intact);
    zframe_destroy(&frame);
    //  Exactly one copy: the locked one
    CHECK_EQ_INT(test_memscan(0, inverted, N), 1);
    br_secret_destroy(&secret);
    CHECK_EQ_INT(test_memscan(0, inverted, N), 0);
}

//  A secret adopted from locked memory: no copy is made, and destroying it
//  wipes the whole allocation, the bytes past the secret's size too.
static void
s_test_adopt(void)
{
    enum { N = 32, SIZE = 4000 };
    uint8_t *locked = sodium_malloc(SIZE);
    CHECK(locked);
    if (!locked) {
        return;
    }
    uint8_t inverted[2][N];
    randombytes_buf(locked, N);
    randombytes_buf(locked + 1000, N);
    for (size_t i = 0; i < N; i++) {
        inverted[0][i] = (uint8_t)~locked[i];
        inverted[1][i] = (uint8_t)~locked[1000 + i];
    }
    uint8_t *keep = locked;
    CHECK(br_secret_adopt(NULL, N) == NULL);
    CHECK(br_secret_adopt(&locked, BR_SECRET_MAX + 1) == NULL && locked == keep);
    br_secret_t *secret = br_secret_adopt(&locked, N);
    CHECK(secret && locked == NULL);
    CHECK(br_secret_cdata(secret) == keep && br_secret_size(secret) == N);
    CHECK_EQ_INT(test_memscan(0, inverted[0], N), 1);
    CHECK_EQ_INT(test_memscan(0, inverted[1], N), 1);
    br_secret_destroy(&secret);
    CHECK_EQ_INT(test_memscan(0, inverted[0], N), 0);
    CHECK_EQ_INT(test_memscan(0, inverted[1], N), 0);
}

//  The scanner the leak tests rely on: one pass finds needles of different
//  lengths, one across the boundary of its 1 MiB reads, one inside the
//  overlap it keeps between reads (counted once), and skips the pages of
//  the mapping that were never touched.
static void
s_test_scanner(void)
{
    enum { MIB = 1 << 20, A = 32, B = 12 };
    //  Our own mapping between two inaccessible ones, so that it is one
    //  line of /proc/self/maps and the reads start where it starts
    uint8_t *guard = mmap(NULL, 6 * MIB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(guard != MAP_FAILED);
    if (guard == MAP_FAILED) {
        return;
    }
    uint8_t *area = guard + MIB;
    CHECK_EQ_INT(mprotect(area, 4 * MIB, PROT_READ | PROT_WRITE), 0);
    uint8_t a[A], b[B];
    randombytes_buf(a, A);
    randombytes_buf(b, B);
    for (size_t i = 0; i < A; i++) {
        area[MIB - 10 + i] = (uint8_t)~a[i];
    }
    for (size_t i = 0; i < B; i++) {
        area[2 * MIB - 20 + i] = (uint8_t)~b[i];
    }
    area[2 * MIB + 100] = 1; //  the third MiB is read too; the fourth is not
    const uint8_t *needles[] = {a, b};
    size_t sizes[] = {A, B};
    long hits[2] = {-1, -1};
    CHECK_EQ_INT(test_memscan_many(0, 2, needles, sizes, hits), 0);
    CHECK_EQ_INT(hits[0], 1);
    CHECK_EQ_INT(hits[1], 1);
    CHECK_EQ_INT(test_memscan(0, b, B), 1);
    munmap(guard, 6 * MIB);
    CHECK_EQ_INT(test_memscan_many(0, 2, needles, sizes, hits), 0);
    CHECK_EQ_INT(hits[0] + hits[1], 0);
}

static void
s_test_harden(void)
{
    CHECK_EQ_INT(br_harden_process(), 0);
    struct rlimit lim;
    CHECK_EQ_INT(getrlimit(RLIMIT_CORE, &lim), 0);
    CHECK_EQ_INT(lim.rlim_cur, 0);
    CHECK_EQ_INT(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
}

int
main(void)
{
    s_test_basics();
    s_test_frame_and_leak();
    s_test_adopt();
    s_test_scanner();
    s_test_harden();
    return test_done("unit_secret");
}
