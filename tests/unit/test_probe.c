/*  Unit tests of br_probe (invariant S7) on regular files: nothing on a
    zeroed file; an ext4 filesystem, a LUKS1 and a LUKS2 header (made with
    libcryptsetup on the file), a gpt partition table (written here from the
    UEFI layout, and with sfdisk when it is installed), a swap area, an
    ambiguous pair of filesystems; a missing device is a clear error. */
#include "br_probe.h"
#include "testutil.h"

#include <fcntl.h>
#include <libcryptsetup.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define IMAGE_MB 40

static char *s_dir;

static char *
s_path(const char *name)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s", s_dir, name) < 0) {
        return NULL;
    }
    return path;
}

//  A zero-filled (sparse) image of IMAGE_MB MiB.
static char *
s_image(const char *name)
{
    char *path = s_path(name);
    int fd = path ? open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK_EQ_INT(ftruncate(fd, (off_t)IMAGE_MB << 20), 0);
        close(fd);
    }
    return path;
}

//  Runs argv quietly; its exit status, or -1.
static int
s_run(char *const argv[])
{
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
            dup2(null, 2);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0) {
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
s_write_at(const char *path, off_t at, const void *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK_EQ_INT(pwrite(fd, data, size, at), (long long)size);
        close(fd);
    }
}

//  Expects rc and, for 1, the description.
static void
s_expect(const char *path, int rc, const char *found)
{
    char text[BR_PROBE_FOUND_MAX] = "";
    br_errmsg_t err = {""};
    int got = br_probe_device(path, text, sizeof text, &err);
    if (got != rc || (found && strcmp(text, found) != 0)) {
        fprintf(stderr, "probe %s: %d '%s' (%s); expected %d '%s'\n", path, got, text, err.text, rc,
                found ? found : "");
        test_failures++;
    }
}

static void
test_empty_and_missing(void)
{
    char *zero = s_image("zero.img");
    s_expect(zero, 0, "");
    free(zero);

    char *missing = s_path("missing.img");
    char text[BR_PROBE_FOUND_MAX];
    br_errmsg_t err = {""};
    CHECK_EQ_INT(br_probe_device(missing, text, sizeof text, &err), BR_ERR_NOTFOUND);
    CHECK(strstr(err.text, missing) != NULL);
    CHECK(strstr(err.text, "No such file") != NULL);
    free(missing);
}

static void
test_ext4(void)
{
    char *path = s_image("ext4.img");
    char *argv[] = {"mkfs.ext4", "-q", "-F", path, NULL};
    if (s_run(argv) != 0) {
        printf("  (mkfs.ext4 not available: ext4 case skipped)\n");
    } else {
        s_expect(path, 1, "an ext4 filesystem");
    }
    free(path);
}

//  LUKS headers made by libcryptsetup on the file itself (no device-mapper
//  is needed to format), with the cheapest PBKDF it accepts.
static void
s_luks(const char *type, const char *found)
{
    char name[32];
    snprintf(name, sizeof name, "%s.img", type);
    char *path = s_image(name);
    struct crypt_device *cd = NULL;
    struct crypt_pbkdf_type pbkdf = {.type = CRYPT_KDF_PBKDF2,
                                     .hash = "sha256",
                                     .iterations = 1000,
                                     .flags = CRYPT_PBKDF_NO_BENCHMARK};
    struct crypt_params_luks1 p1 = {.hash = "sha256"};
    struct crypt_params_luks2 p2 = {.pbkdf = &pbkdf};
    bool luks2 = strcmp(type, CRYPT_LUKS2) == 0;
    CHECK_EQ_INT(crypt_init(&cd, path), 0);
    if (cd) {
        CHECK_EQ_INT(crypt_format(cd, luks2 ? CRYPT_LUKS2 : CRYPT_LUKS1, "aes", "xts-plain64", NULL,
                                  NULL, 64, luks2 ? (void *)&p2 : (void *)&p1),
                     0);
        crypt_free(cd);
    }
    s_expect(path, 1, found);
    free(path);
}

static uint32_t
s_crc32(const uint8_t *data, size_t size)
{
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < size; i++) {
        crc ^= data[i];
        for (int bit = 0; bit < 8; bit++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

static void
s_le32(uint8_t *at, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        at[i] = (uint8_t)(v >> (8 * i));
    }
}

static void
s_le64(uint8_t *at, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        at[i] = (uint8_t)(v >> (8 * i));
    }
}

//  A GPT as the UEFI specification lays it out: protective MBR, header at
//  LBA 1, 128 entries of 128 bytes from LBA 2, one Linux partition.
//  libblkid checks both CRCs, so a typo here fails the test.
static void
s_write_gpt(const char *path)
{
    const uint64_t sectors = ((uint64_t)IMAGE_MB << 20) / 512;
    uint8_t mbr[512] = {0}, header[512] = {0}, entries[128 * 128] = {0};
    //  Protective MBR: one partition of type 0xEE over the disk
    uint8_t *pe = mbr + 446;
    pe[1] = 0x00, pe[2] = 0x02, pe[3] = 0x00, pe[4] = 0xEE, pe[5] = pe[6] = pe[7] = 0xFF;
    s_le32(pe + 8, 1);
    s_le32(pe + 12, (uint32_t)(sectors - 1));
    mbr[510] = 0x55, mbr[511] = 0xAA;
    //  Linux filesystem data 0FC63DAF-8483-4772-8E79-3D69D8477DE4, the first
    //  three fields little-endian
    static const uint8_t linux_fs[16] = {0xAF, 0x3D, 0xC6, 0x0F, 0x83, 0x84, 0x72, 0x47,
                                         0x8E, 0x79, 0x3D, 0x69, 0xD8, 0x47, 0x7D, 0xE4};
    memcpy(entries, linux_fs, 16);
    for (int i = 0; i < 16; i++) {
        entries[16 + i] = (uint8_t)(0x11 * (i + 1)); //  unique partition GUID
    }
    s_le64(entries + 32, 2048);
    s_le64(entries + 40, sectors - 34);
    memcpy(header, "EFI PART", 8);
    s_le32(header + 8, 0x00010000);
    s_le32(header + 12, 92);
    s_le64(header + 24, 1);
    s_le64(header + 32, sectors - 1);
    s_le64(header + 40, 34);
    s_le64(header + 48, sectors - 34);
    for (int i = 0; i < 16; i++) {
        header[56 + i] = (uint8_t)(0xA0 + i); //  disk GUID
    }
    s_le64(header + 72, 2);
    s_le32(header + 80, 128);
    s_le32(header + 84, 128);
    s_le32(header + 88, s_crc32(entries, sizeof entries));
    s_le32(header + 16, s_crc32(header, 92));
    s_write_at(path, 0, mbr, sizeof mbr);
    s_write_at(path, 512, header, sizeof header);
    s_write_at(path, 1024, entries, sizeof entries);
}

static void
test_gpt(void)
{
    char *path = s_image("gpt.img");
    s_write_gpt(path);
    s_expect(path, 1, "a gpt partition table");
    free(path);

    //  And as a partitioning tool writes it, when one is installed
    char *tool = s_image("sfdisk.img");
    char *cmd = NULL;
    if (access("/usr/sbin/sfdisk", X_OK) == 0 &&
        asprintf(&cmd, "printf 'label: gpt\\n,\\n' | /usr/sbin/sfdisk -q %s", tool) > 0) {
        char *argv[] = {"sh", "-c", cmd, NULL};
        CHECK_EQ_INT(s_run(argv), 0);
        s_expect(tool, 1, "a gpt partition table");
    } else {
        printf("  (sfdisk not installed: only the hand-written gpt is probed)\n");
    }
    free(cmd);
    free(tool);
}

static void
test_swap_and_ambiguous(void)
{
    char *swap = s_image("swap.img");
    char *argv[] = {"mkswap", swap, NULL};
    if (s_run(argv) == 0) {
        s_expect(swap, 1, "a swap area");
    }
    free(swap);

    //  ext4 leaves its first 1024 bytes alone; a BFS magic there makes two
    //  filesystems that claim the same device
    char *both = s_image("ambiguous.img");
    char *mkfs[] = {"mkfs.ext4", "-q", "-F", both, NULL};
    if (s_run(mkfs) == 0) {
        static const uint8_t bfs[4] = {0xCE, 0xFA, 0xAD, 0x1B};
        s_write_at(both, 0, bfs, sizeof bfs);
        s_expect(both, 1, "more than one signature (ambiguous)");
    }
    free(both);
}

static void
test_not_written(void)
{
    //  The probe only reads: the file's bytes and times stay as they were
    char *path = s_image("ro.img");
    struct stat before, after;
    CHECK_EQ_INT(stat(path, &before), 0);
    s_expect(path, 0, "");
    CHECK_EQ_INT(stat(path, &after), 0);
    CHECK(before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
          before.st_mtim.tv_nsec == after.st_mtim.tv_nsec);
    CHECK_EQ_INT(after.st_blocks, 0); //  still entirely sparse: nothing written
    free(path);
}

int
main(void)
{
    crypt_set_debug_level(CRYPT_DEBUG_NONE);
    s_dir = test_tmpdir();
    CHECK(s_dir != NULL);
    if (!s_dir) {
        return test_done("unit_probe");
    }
    test_empty_and_missing();
    test_ext4();
    s_luks(CRYPT_LUKS1, "a LUKS1 header");
    s_luks(CRYPT_LUKS2, "a LUKS2 header");
    test_gpt();
    test_swap_and_ambiguous();
    test_not_written();
    test_rmtree(s_dir);
    free(s_dir);
    return test_done("unit_probe");
}
