/*  br_keys: CURVE key pairs on disk, their Z85 text and fingerprints.

    A key file is one Z85 line. The secret key is read into, decoded into and
    encoded from br_secret memory only; the plain buffers used here hold
    public data or nothing. */
#include "brine.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include <zmq.h>

struct _br_keypair_t {
    uint8_t public_key[BR_KEY_SIZE]; //  public, may be copied freely
    br_secret_t *secret_key;         //  BR_KEY_SIZE bytes of locked memory
};

//  A key file is the Z85 text and a newline. Reading one byte more than that
//  tells a longer (wrong) file from a valid one without reading all of it.
#define S_LINE_LEN (BR_Z85_KEY_LEN + 1)
#define S_READ_MAX (S_LINE_LEN + 1)

//  Prefix of temporary files: starts with '.', so never a valid id or name,
//  and the key store recognises (and ignores) leftovers of a crash.
#define S_TMP_PREFIX ".brine-tmp."

static const char s_z85_chars[] = "0123456789abcdefghijklmnopqrstuvwxyz"
                                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

//  libzmq checks the alphabet too, but older releases did not; checking here
//  keeps the behaviour the same whatever libzmq the program is linked with.
static bool
s_z85_text_valid(const char *text, size_t len)
{
    if (len != BR_Z85_KEY_LEN) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\0' || !strchr(s_z85_chars, text[i])) {
            return false;
        }
    }
    return true;
}

//  Length of the key text in a file's content: the content is the text with
//  an optional final newline, nothing else.
static size_t
s_line_len(const uint8_t *data, size_t len)
{
    if (len > 0 && data[len - 1] == '\n') {
        len--;
    }
    return len;
}

static int
s_path(char *out, size_t size, const char *dir, const char *name, const char *ext, br_errmsg_t *err)
{
    int n = snprintf(out, size, "%s/%s%s", dir, name, ext);
    if (n < 0 || (size_t)n >= size) {
        return br_errmsg_set(err, BR_ERR_INVALID, "path %s/%s%s is too long", dir, name, ext);
    }
    return 0;
}

//  Opens a key file for reading without following a symbolic link or
//  blocking on a FIFO, and checks that it is a regular file.
static int
s_open_read(const char *path, const char *what, int *fd_p, struct stat *st, br_errmsg_t *err)
{
    int r = BR_ERR_INTERNAL;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ELOOP) {
            r = br_errmsg_set(err, BR_ERR_PERM, "%s file %s is a symbolic link, which is refused",
                              what, path);
        } else {
            r = br_errmsg_set(err, e == ENOENT ? BR_ERR_NOTFOUND : BR_ERR_IO,
                              "cannot open %s file %s: %s", what, path, strerror(e));
        }
        goto out;
    }
    if (fstat(fd, st) != 0) {
        r = br_errmsg_set(err, BR_ERR_IO, "cannot stat %s file %s: %s", what, path,
                          strerror(errno));
        goto out;
    }
    if (!S_ISREG(st->st_mode)) {
        r = br_errmsg_set(err, BR_ERR_PERM, "%s file %s is not a regular file", what, path);
        goto out;
    }
    *fd_p = fd;
    fd = -1;
    r = 0;
out:
    if (fd >= 0) {
        close(fd);
    }
    return r;
}

//  Reads up to size bytes (less only at end of file).
static int
s_read_all(int fd, const char *what, const char *path, uint8_t *buf, size_t size, size_t *len_p,
           br_errmsg_t *err)
{
    size_t len = 0;
    while (len < size) {
        ssize_t n = read(fd, buf + len, size - len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return br_errmsg_set(err, BR_ERR_IO, "cannot read %s file %s: %s", what, path,
                                 strerror(errno));
        }
        if (n == 0) {
            break;
        }
        len += (size_t)n;
    }
    *len_p = len;
    return 0;
}

static int
s_write_all(int fd, const uint8_t *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

//  After a create or rename, the directory entry itself must reach the disk
//  or the file may vanish in a crash. Some file systems cannot fsync a
//  directory (EINVAL); nothing more can be done there.
static int
s_sync_dir(const char *dir, br_errmsg_t *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return br_errmsg_set(err, BR_ERR_IO, "cannot open directory %s: %s", dir, strerror(errno));
    }
    int r = 0;
    if (fsync(fd) != 0 && errno != EINVAL) {
        r = br_errmsg_set(err, BR_ERR_IO, "cannot sync directory %s: %s", dir, strerror(errno));
    }
    close(fd);
    return r;
}

static void
s_dirname(char out[PATH_MAX], const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(out, PATH_MAX, ".");
    } else if (slash == path) {
        snprintf(out, PATH_MAX, "/");
    } else {
        snprintf(out, PATH_MAX, "%.*s", (int)(slash - path), path);
    }
}

//  Writes data to path with the given mode. exclusive: create it, failing
//  if anything (even a dangling symlink) is there. Otherwise write a
//  temporary file beside it and rename it over, so that readers see the old
//  or the new content, never a part.
static int
s_write_file(const char *path, const uint8_t *data, size_t len, mode_t mode, bool exclusive,
             br_errmsg_t *err)
{
    int r = BR_ERR_INTERNAL;
    int fd = -1;
    char dir[PATH_MAX];
    char tmp[PATH_MAX] = "";
    const char *target = path; //  the file being written: path or tmp
    bool created = false;

    if (strlen(path) >= PATH_MAX) {
        r = br_errmsg_set(err, BR_ERR_INVALID, "path %s is too long", path);
        goto out;
    }
    s_dirname(dir, path);
    if (exclusive) {
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    } else {
        int n = snprintf(tmp, sizeof tmp, "%s/" S_TMP_PREFIX "XXXXXX", dir);
        if (n < 0 || (size_t)n >= sizeof tmp) {
            r = br_errmsg_set(err, BR_ERR_INVALID, "path %s is too long", path);
            goto out;
        }
        fd = mkostemp(tmp, O_CLOEXEC);
        target = tmp;
    }
    if (fd < 0) {
        if (errno == EEXIST) {
            r = br_errmsg_set(err, BR_ERR_EXISTS, "refusing to overwrite existing %s", path);
        } else {
            r = br_errmsg_set(err, BR_ERR_IO, "cannot create %s: %s", path, strerror(errno));
        }
        goto out;
    }
    created = true;
    //  The mode given to open() is filtered by the umask; set it outright
    if (fchmod(fd, mode) != 0 || s_write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        r = br_errmsg_set(err, BR_ERR_IO, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    int rc = close(fd);
    fd = -1;
    if (rc != 0) {
        r = br_errmsg_set(err, BR_ERR_IO, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    if (!exclusive && rename(tmp, path) != 0) {
        r = br_errmsg_set(err, BR_ERR_IO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        goto out;
    }
    created = false; //  the file is now where it belongs: keep it
    r = s_sync_dir(dir, err);
out:
    if (fd >= 0) {
        close(fd);
    }
    if (created) {
        unlink(target);
    }
    return r;
}

void
br_pubkey_z85(const uint8_t key[BR_KEY_SIZE], char out[BR_Z85_KEY_LEN + 1])
{
    //  Cannot fail: the size is a multiple of 4
    zmq_z85_encode(out, key, BR_KEY_SIZE);
}

int
br_pubkey_from_z85(uint8_t key[BR_KEY_SIZE], const char *text, size_t len)
{
    char copy[BR_Z85_KEY_LEN + 1];
    uint8_t decoded[BR_KEY_SIZE];
    if (!text || !s_z85_text_valid(text, len)) {
        return BR_ERR_MALFORMED;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    //  Five characters may encode more than 32 bits; libzmq rejects those
    if (!zmq_z85_decode(decoded, copy)) {
        return BR_ERR_MALFORMED;
    }
    memcpy(key, decoded, BR_KEY_SIZE);
    return 0;
}

//  A public key file: one Z85 line, and in a minion key file of the master's
//  key store a second one, the minion's sealing key, when seal is not NULL
static int
s_pubkey_read(uint8_t key[BR_KEY_SIZE], uint8_t seal[BR_KEY_SIZE], bool *has_seal_p,
              const char *path, br_errmsg_t *err)
{
    int r = BR_ERR_INTERNAL;
    int fd = -1;
    struct stat st;
    uint8_t buf[2 * S_LINE_LEN + 1];
    size_t len = 0;

    if (has_seal_p) {
        *has_seal_p = false;
    }
    if ((r = s_open_read(path, "public key", &fd, &st, err)) != 0) {
        goto out;
    }
    if ((r = s_read_all(fd, "public key", path, buf, seal ? sizeof buf : S_READ_MAX, &len,
                        err)) != 0) {
        goto out;
    }
    size_t first = len > S_LINE_LEN && seal ? S_LINE_LEN : len;
    if (first < len && buf[BR_Z85_KEY_LEN] != '\n') {
        first = len; //  no line break where one key ends: malformed below
    }
    if (br_pubkey_from_z85(key, (const char *)buf, s_line_len(buf, first)) != 0) {
        r = br_errmsg_set(err, BR_ERR_MALFORMED,
                          "public key file %s is not %s of %d Z85 characters", path,
                          seal ? "one or two lines" : "one line", BR_Z85_KEY_LEN);
        goto out;
    }
    if (first < len) {
        if (br_pubkey_from_z85(seal, (const char *)buf + first, s_line_len(buf + first, len - first)) != 0) {
            r = br_errmsg_set(err, BR_ERR_MALFORMED,
                              "public key file %s: line 2 (the sealing key) is not %d Z85 "
                              "characters",
                              path, BR_Z85_KEY_LEN);
            goto out;
        }
        *has_seal_p = true;
    }
    r = 0;
out:
    if (fd >= 0) {
        close(fd);
    }
    return r;
}

int
br_pubkey_load(uint8_t key[BR_KEY_SIZE], const char *path, br_errmsg_t *err)
{
    return s_pubkey_read(key, NULL, NULL, path, err);
}

int
br_pubkey_load_sealed(uint8_t key[BR_KEY_SIZE], uint8_t seal[BR_KEY_SIZE], bool *has_seal_p,
                      const char *path, br_errmsg_t *err)
{
    return s_pubkey_read(key, seal, has_seal_p, path, err);
}

int
br_pubkey_save(const uint8_t key[BR_KEY_SIZE], const char *path, bool exclusive, br_errmsg_t *err)
{
    return br_pubkey_save_sealed(key, NULL, path, exclusive, err);
}

int
br_pubkey_save_sealed(const uint8_t key[BR_KEY_SIZE], const uint8_t *seal, const char *path,
                      bool exclusive, br_errmsg_t *err)
{
    char lines[2 * S_LINE_LEN + 1];
    br_pubkey_z85(key, lines);
    lines[BR_Z85_KEY_LEN] = '\n';
    size_t len = S_LINE_LEN;
    if (seal) {
        br_pubkey_z85(seal, lines + S_LINE_LEN);
        lines[S_LINE_LEN + BR_Z85_KEY_LEN] = '\n';
        len += S_LINE_LEN;
    }
    return s_write_file(path, (const uint8_t *)lines, len, 0644, exclusive, err);
}

//  Reads and decodes a secret key file. Everything that holds the key or its
//  text lives in br_secret memory.
static int
s_secret_load(br_secret_t **key_p, const char *path, br_errmsg_t *err)
{
    int r = BR_ERR_INTERNAL;
    int fd = -1;
    struct stat st;
    size_t len = 0;
    br_secret_t *text = NULL;
    br_secret_t *key = NULL;

    if ((r = s_open_read(path, "secret key", &fd, &st, err)) != 0) {
        goto out;
    }
    if ((st.st_mode & 077) != 0) {
        r = br_errmsg_set(err, BR_ERR_PERM,
                          "secret key file %s is readable by others (mode %04o); run chmod 600 %s",
                          path, (unsigned)(st.st_mode & 07777), path);
        goto out;
    }
    //  One byte more than the longest read, for the terminating NUL
    text = br_secret_new(S_READ_MAX + 1);
    key = br_secret_new(BR_KEY_SIZE);
    if (!text || !key) {
        r = br_errmsg_set(err, BR_ERR_NOMEM, "out of memory reading %s", path);
        goto out;
    }
    uint8_t *data = br_secret_data(text);
    if ((r = s_read_all(fd, "secret key", path, data, S_READ_MAX, &len, err)) != 0) {
        goto out;
    }
    len = s_line_len(data, len);
    data[len] = '\0';
    if (!s_z85_text_valid((const char *)data, len) ||
        !zmq_z85_decode(br_secret_data(key), (const char *)data)) {
        r = br_errmsg_set(err, BR_ERR_MALFORMED,
                          "secret key file %s is not one line of %d Z85 characters", path,
                          BR_Z85_KEY_LEN);
        goto out;
    }
    *key_p = key;
    key = NULL;
    r = 0;
out:
    br_secret_destroy(&text);
    br_secret_destroy(&key);
    if (fd >= 0) {
        close(fd);
    }
    return r;
}

br_keypair_t *
br_keypair_generate(void)
{
    br_keypair_t *self = calloc(1, sizeof *self);
    if (!self) {
        return NULL;
    }
    //  br_secret_new initialises libsodium
    self->secret_key = br_secret_new(BR_KEY_SIZE);
    if (!self->secret_key ||
        crypto_box_keypair(self->public_key, br_secret_data(self->secret_key)) != 0) {
        br_keypair_destroy(&self);
    }
    return self;
}

br_keypair_t *
br_keypair_load(const char *dir, const char *name, br_errmsg_t *err)
{
    br_keypair_t *self = NULL;
    char pub_path[PATH_MAX], key_path[PATH_MAX];
    uint8_t derived[BR_KEY_SIZE];

    if (!br_id_valid(name)) {
        br_errmsg_set(err, BR_ERR_BADID, "invalid key name");
        goto out;
    }
    if (s_path(pub_path, sizeof pub_path, dir, name, ".pub", err) != 0 ||
        s_path(key_path, sizeof key_path, dir, name, ".key", err) != 0) {
        goto out;
    }
    self = calloc(1, sizeof *self);
    if (!self) {
        br_errmsg_set(err, BR_ERR_NOMEM, "out of memory loading %s", key_path);
        goto out;
    }
    if (br_pubkey_load(self->public_key, pub_path, err) != 0 ||
        s_secret_load(&self->secret_key, key_path, err) != 0) {
        br_keypair_destroy(&self);
        goto out;
    }
    //  A .pub that belongs to another key would make every handshake fail
    //  with no useful error; catch it here, where the files can be named
    if (crypto_scalarmult_base(derived, br_secret_cdata(self->secret_key)) != 0 ||
        sodium_memcmp(derived, self->public_key, BR_KEY_SIZE) != 0) {
        br_errmsg_set(err, BR_ERR_MALFORMED, "public key file %s does not match secret key file %s",
                      pub_path, key_path);
        br_keypair_destroy(&self);
        goto out;
    }
out:
    return self;
}

int
br_keypair_save(const br_keypair_t *self, const char *dir, const char *name, br_errmsg_t *err)
{
    int r = BR_ERR_INTERNAL;
    char pub_path[PATH_MAX], key_path[PATH_MAX];
    br_secret_t *text = NULL;
    bool key_written = false;
    struct stat st;

    if (!self || !dir) {
        r = br_errmsg_set(err, BR_ERR_INVALID, "no key pair or directory");
        goto out;
    }
    if (!br_id_valid(name)) {
        r = br_errmsg_set(err, BR_ERR_BADID, "invalid key name");
        goto out;
    }
    if ((r = s_path(pub_path, sizeof pub_path, dir, name, ".pub", err)) != 0 ||
        (r = s_path(key_path, sizeof key_path, dir, name, ".key", err)) != 0) {
        goto out;
    }
    //  Checked up front so that a half-written pair is never left behind;
    //  O_EXCL below still guards against a race
    if (lstat(pub_path, &st) == 0 || lstat(key_path, &st) == 0) {
        r = br_errmsg_set(err, BR_ERR_EXISTS, "refusing to overwrite existing %s",
                          lstat(pub_path, &st) == 0 ? pub_path : key_path);
        goto out;
    }
    text = br_secret_new(S_LINE_LEN + 1);
    if (!text) {
        r = br_errmsg_set(err, BR_ERR_NOMEM, "out of memory writing %s", key_path);
        goto out;
    }
    char *line = (char *)br_secret_data(text);
    zmq_z85_encode(line, br_secret_cdata(self->secret_key), BR_KEY_SIZE);
    line[BR_Z85_KEY_LEN] = '\n';
    if ((r = s_write_file(key_path, br_secret_cdata(text), S_LINE_LEN, 0600, true, err)) != 0) {
        goto out;
    }
    key_written = true;
    if ((r = br_pubkey_save(self->public_key, pub_path, true, err)) != 0) {
        goto out;
    }
    key_written = false;
    r = 0;
out:
    if (key_written) {
        unlink(key_path);
    }
    br_secret_destroy(&text);
    return r;
}

void
br_keypair_destroy(br_keypair_t **self_p)
{
    if (self_p && *self_p) {
        br_keypair_t *self = *self_p;
        br_secret_destroy(&self->secret_key);
        free(self);
        *self_p = NULL;
    }
}

const uint8_t *
br_keypair_public(const br_keypair_t *self)
{
    return self->public_key;
}

const uint8_t *
br_keypair_secret(const br_keypair_t *self)
{
    return br_secret_cdata(self->secret_key);
}

void
br_key_fingerprint(const uint8_t key[BR_KEY_SIZE], char out[BR_FINGERPRINT_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t hash[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(hash, key, BR_KEY_SIZE);
    for (size_t i = 0; i < sizeof hash; i++) {
        out[i * 3] = hex[hash[i] >> 4];
        out[i * 3 + 1] = hex[hash[i] & 0x0f];
        out[i * 3 + 2] = i + 1 < sizeof hash ? ':' : '\0';
    }
}
