/*  testutil: shared test helpers. */
#include "testutil.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int test_failures = 0;

int
test_done(const char *name)
{
    if (test_failures) {
        printf("%s: %d check(s) failed\n", name, test_failures);
        return 1;
    }
    printf("%s: all checks passed\n", name);
    return 0;
}

char *
test_tmpdir(void)
{
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char *path = NULL;
    if (asprintf(&path, "%s/brine-test-XXXXXX", base) < 0) {
        return NULL;
    }
    if (!mkdtemp(path)) {
        free(path);
        return NULL;
    }
    return path;
}

static int
s_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void
test_rmtree(const char *path)
{
    if (path) {
        nftw(path, s_rm, 16, FTW_DEPTH | FTW_PHYS);
    }
}

//  Matches of the inverted needle in hay that end past its first carry
//  bytes: those bytes were the end of the previous chunk, scanned already
static long
s_count(const uint8_t *hay, size_t len, size_t carry, const uint8_t *inverted, size_t size)
{
    long hits = 0;
    if (len < size) {
        return 0;
    }
    for (size_t i = carry >= size ? carry - size + 1 : 0; i + size <= len; i++) {
        if ((hay[i] ^ inverted[0]) != 0xFF) {
            continue;
        }
        size_t j = 1;
        while (j < size && (hay[i + j] ^ inverted[j]) == 0xFF) {
            j++;
        }
        if (j == size) {
            hits++;
        }
    }
    return hits;
}

//  Whether any page of [at, at + len) of an anonymous mapping was ever
//  touched: present in memory or swapped out (/proc/PID/pagemap bits 63
//  and 62). A page never touched reads as zeros and holds no secret; a
//  sanitizer's shadow is hundreds of MiB of them, which take minutes to
//  read under an emulated CPU. True when pagemap cannot tell.
static bool
s_touched(int pagemap, unsigned long at, size_t len)
{
    enum { PAGES = 256 };
    uint64_t entries[PAGES];
    long page = sysconf(_SC_PAGESIZE);
    if (pagemap < 0 || page <= 0) {
        return true;
    }
    unsigned long first = at / (unsigned long)page;
    unsigned long count = (len + (size_t)page - 1) / (size_t)page;
    while (count > 0) {
        size_t n = count < PAGES ? count : PAGES;
        ssize_t got = pread(pagemap, entries, n * sizeof entries[0], (off_t)(first * 8));
        if (got != (ssize_t)(n * sizeof entries[0])) {
            return true;
        }
        for (size_t i = 0; i < n; i++) {
            if (entries[i] & (3ULL << 62)) {
                return true;
            }
        }
        first += n;
        count -= n;
    }
    return false;
}

int
test_memscan_many(pid_t pid, size_t n, const uint8_t *const inverted[], const size_t sizes[],
                  long hits[])
{
    char path[64];
    int self = pid ? (int)pid : (int)getpid();
    snprintf(path, sizeof path, "/proc/%d/maps", self);
    FILE *maps = fopen(path, "r");
    snprintf(path, sizeof path, "/proc/%d/mem", self);
    int mem = open(path, O_RDONLY);
    snprintf(path, sizeof path, "/proc/%d/pagemap", self);
    int pagemap = open(path, O_RDONLY);
    size_t longest = 1;
    for (size_t i = 0; i < n; i++) {
        hits[i] = 0;
        longest = sizes[i] > longest ? sizes[i] : longest;
    }
    //  Chunks overlap by longest - 1 bytes so a needle across a boundary counts
    size_t chunk = 1 << 20;
    uint8_t *buf = maps && mem >= 0 ? malloc(chunk + longest) : NULL;
    char line[512];
    while (buf && fgets(line, sizeof line, maps)) {
        unsigned long start, end;
        char perms[8];
        int name_at = 0;
        if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &start, &end, perms, &name_at) < 3 ||
            perms[0] != 'r') {
            continue;
        }
        if (strstr(line, "[vvar]") || strstr(line, "[vsyscall]")) {
            continue;
        }
        //  Sanitizer shadow memory: terabytes of untouched zero pages that
        //  would take hours to read; no allocation of ours is this large
        if (end - start > (1UL << 32)) {
            continue;
        }
        //  Anonymous: nothing after the inode. Files, [heap] and [stack],
        //  and a line this did not parse, are read whole
        bool anonymous = name_at > 0 && (line[name_at] == '\n' || line[name_at] == 0);
        size_t carry = 0;
        for (unsigned long at = start; at < end;) {
            size_t want = end - at < chunk ? end - at : chunk;
            if (anonymous && !s_touched(pagemap, at, want)) {
                carry = 0; //  zeros in between: no needle spans them
                at += want;
                continue;
            }
            ssize_t got = pread(mem, buf + carry, want, (off_t)at);
            if (got <= 0) {
                break;
            }
            for (size_t i = 0; i < n; i++) {
                hits[i] += s_count(buf, carry + (size_t)got, carry, inverted[i], sizes[i]);
            }
            size_t keep = longest - 1 < carry + (size_t)got ? longest - 1 : carry + (size_t)got;
            memmove(buf, buf + carry + (size_t)got - keep, keep);
            //  Clear the copy, or reading the mapping that holds buf itself
            //  would find the last chunk's hits a second time
            memset(buf + keep, 0, chunk + longest - keep);
            carry = keep;
            at += (unsigned long)got;
        }
    }
    int rc = buf ? 0 : -1;
    free(buf);
    if (maps) {
        fclose(maps);
    }
    if (mem >= 0) {
        close(mem);
    }
    if (pagemap >= 0) {
        close(pagemap);
    }
    return rc;
}

long
test_memscan(pid_t pid, const uint8_t *inverted, size_t size)
{
    long hits = 0;
    const uint8_t *needles[] = {inverted};
    return test_memscan_many(pid, 1, needles, &size, &hits) == 0 ? hits : -1;
}

long
test_filescan(const char *path, const uint8_t *needle, size_t size)
{
    FILE *file = fopen(path, "rb");
    if (!file) {
        return -1;
    }
    uint8_t *inverted = malloc(size);
    for (size_t i = 0; i < size; i++) {
        inverted[i] = (uint8_t)~needle[i];
    }
    long hits = 0;
    size_t chunk = 1 << 16, carry = 0;
    uint8_t *buf = malloc(chunk + size);
    size_t got;
    while ((got = fread(buf + carry, 1, chunk, file)) > 0) {
        hits += s_count(buf, carry + got, carry, inverted, size);
        size_t keep = size - 1 < carry + got ? size - 1 : carry + got;
        memmove(buf, buf + carry + got - keep, keep);
        carry = keep;
    }
    free(buf);
    free(inverted);
    fclose(file);
    return hits;
}

int
test_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
        getsockname(fd, (struct sockaddr *)&addr, &len) == 0) {
        port = ntohs(addr.sin_port);
    }
    if (fd >= 0) {
        close(fd);
    }
    return port;
}

bool
test_needs_lib(const char *path, const char *soname)
{
    char command[4200];
    snprintf(command, sizeof command, "readelf -d '%s' 2>/dev/null | grep -q 'NEEDED.*\\[%s'", path,
             soname);
    return system(command) == 0;
}
