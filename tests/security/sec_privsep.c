/*  sec_privsep: a compromised network child of brine-minion, played for
    real. As root, the attacker takes the child's end of the monitor's
    socket out of the running child (pidfd_getfd), stops the child so that
    it takes no part, and writes what an attacker with code execution in
    the child could: operations outside the table, frames over their bound
    or cut short, jobs sealed with keys of its own, and a job sealed with
    the minion's transport key, which the child holds for CURVE (refused:
    jobs are sealed to the sealing key, which only the monitor holds). It prints what the monitor did:

      answer: refused: REASON      the job was not run
      answer: ran FUN ok|failed    the monitor ran the job
      killed                       the monitor closed the socket (and kills
                                   the child, then starts another) */
#include "sec_attack.h"

#include <dirent.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

//  The monitor's frame format (minion/br_monitor_proto.h), written by hand:
//  the attacker owes the monitor nothing
enum { S_READY = 1, S_RUN_JOB = 2 };

//  The child's end of the socket to its monitor (its parent), taken out
//  of the child; -1 if none
static int
s_steal(pid_t child)
{
    char path[64], stat[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)child);
    FILE *file = fopen(path, "r");
    size_t got = file ? fread(stat, 1, sizeof stat - 1, file) : 0;
    if (file) {
        fclose(file);
    }
    stat[got] = 0;
    const char *rest = strrchr(stat, ')');
    int parent = 0;
    char state;
    if (!rest || sscanf(rest + 1, " %c %d", &state, &parent) != 2) {
        return -1;
    }
    int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
    snprintf(path, sizeof path, "/proc/%d/fd", (int)child);
    DIR *dir = pidfd >= 0 ? opendir(path) : NULL;
    struct dirent *entry;
    int found = -1;
    while (dir && found < 0 && (entry = readdir(dir))) {
        int target = atoi(entry->d_name);
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9') {
            continue;
        }
        int fd = (int)syscall(SYS_pidfd_getfd, pidfd, target, 0);
        int domain = 0;
        struct ucred peer = {0};
        socklen_t len = sizeof domain, plen = sizeof peer;
        if (fd >= 0 && getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 &&
            domain == AF_UNIX && getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &plen) == 0 &&
            peer.pid == parent) {
            found = fd;
        } else if (fd >= 0) {
            close(fd);
        }
    }
    if (dir) {
        closedir(dir);
    }
    if (pidfd >= 0) {
        close(pidfd);
    }
    return found;
}

static void
s_frame(int fd, uint32_t op, uint32_t declared, const void *data, size_t size)
{
    uint8_t *buf = malloc(8 + size);
    uint32_t header[2] = {op, declared};
    memcpy(buf, header, 8);
    if (size) {
        memcpy(buf + 8, data, size);
    }
    //  One write: a frame and whatever follows it arrive together
    if (write(fd, buf, 8 + size) != (ssize_t)(8 + size)) {
        printf("write failed: %s\n", strerror(errno));
    }
    free(buf);
}

//  Reads the monitor's answer and prints what it says
static void
s_answer(int fd)
{
    uint32_t header[2];
    size_t got = 0;
    while (got < 8) {
        ssize_t n = read(fd, (uint8_t *)header + got, 8 - got);
        if (n <= 0) {
            printf("killed\n");
            return;
        }
        got += (size_t)n;
    }
    uint8_t *data = malloc(header[1] ? header[1] : 1);
    for (got = 0; got < header[1];) {
        ssize_t n = read(fd, data + got, header[1] - got);
        if (n <= 0) {
            printf("killed\n");
            free(data);
            return;
        }
        got += (size_t)n;
    }
    bson_t *doc = bson_new_from_data(data, header[1]);
    bson_iter_t it;
    if (doc && bson_iter_init_find(&it, doc, "refused")) {
        printf("answer: refused: %s\n", bson_iter_utf8(&it, NULL));
    } else if (doc && bson_iter_init_find(&it, doc, "fun")) {
        const char *fun = bson_iter_utf8(&it, NULL);
        bool ok = bson_iter_init_find(&it, doc, "ok") && bson_iter_as_bool(&it);
        printf("answer: ran %s %s\n", fun, ok ? "ok" : "failed");
    } else {
        printf("answer: op %u, %u bytes\n", header[0], header[1]);
    }
    bson_destroy(doc);
    free(data);
}

//  A RUN_JOB of test.ping, sealed by sealer to peer
static void
s_run_sealed(int fd, br_sealer_t *sealer, const uint8_t peer[BR_KEY_SIZE])
{
    br_jidgen_t *jids = br_jidgen_new();
    char jid[BR_JID_LEN + 1];
    br_jidgen_next(jids, jid);
    zframe_t *sealed = NULL;
    zframe_t *clear = sec_ping_job(sealer, peer, jid, &sealed);
    uint32_t clear_size = (uint32_t)zframe_size(clear);
    size_t size = 4 + zframe_size(clear) + zframe_size(sealed);
    uint8_t *payload = malloc(size);
    memcpy(payload, &clear_size, 4);
    memcpy(payload + 4, zframe_data(clear), zframe_size(clear));
    memcpy(payload + 4 + zframe_size(clear), zframe_data(sealed), zframe_size(sealed));
    s_frame(fd, S_RUN_JOB, (uint32_t)size, payload, size);
    s_answer(fd);
    free(payload);
    zframe_destroy(&clear);
    zframe_destroy(&sealed);
    br_jidgen_destroy(&jids);
}

//  netchild CHILD_PID CASE [ARGS]: CASE is one of
//    exec                 an operation the table has not got (7), with a command
//    oversize             RUN_JOB declaring 4 GiB
//    ready                READY again
//    truncated            RUN_JOB cut short, then the child dies
//    garbage              RUN_JOB of random bytes as the sealed body
//    rogue DIR NAME PUB   RUN_JOB of test.ping sealed with key pair DIR/NAME to
//                         the minion's public key file PUB
//    seal-scan PKI_DIR    counts the sealing secret key's copies in the child
//    minion-key PKI_DIR   RUN_JOB of test.ping sealed with the minion's own key
//  Copies of the 32 bytes of secret in the readable mappings of pid
static long
s_count_copies(pid_t pid, const uint8_t *secret)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *maps = fopen(path, "r");
    snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
    FILE *mem = fopen(path, "rb");
    long copies = maps && mem ? 0 : -1;
    while (copies >= 0 && fgets(line, sizeof line, maps)) {
        unsigned long start, end;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &start, &end, perms) != 3 ||
            strstr(line, "[vvar]") || end - start > (1ul << 30)) {
            continue;
        }
        uint8_t *buf = malloc(end - start);
        if (buf && fseek(mem, (long)start, SEEK_SET) == 0) {
            size_t got = fread(buf, 1, end - start, mem);
            for (size_t i = 0; got >= BR_KEY_SIZE && i <= got - BR_KEY_SIZE; i++) {
                copies += memcmp(buf + i, secret, BR_KEY_SIZE) == 0;
            }
        }
        clearerr(mem);
        free(buf);
    }
    if (maps) {
        fclose(maps);
    }
    if (mem) {
        fclose(mem);
    }
    return copies;
}

int
sec_privsep_main(int argc, char **argv)
{
    //  seal-scan PID PKI_DIR: how many copies of the sealing secret key
    //  the process holds (the key is taken from disk, as root)
    if (argc >= 3 && strcmp(argv[1], "seal-scan") == 0) {
        br_errmsg_t err = {""};
        br_keypair_t *keys = br_keypair_load(argv[2], "minion_seal", &err);
        if (!keys) {
            printf("cannot load the sealing key: %s\n", err.text);
            return 1;
        }
        long copies = s_count_copies((pid_t)atoi(argv[0]), br_keypair_secret(keys));
        br_keypair_destroy(&keys);
        printf("sealing secret key: %ld copies\n", copies);
        return copies == 0 ? 0 : 1;
    }
    if (argc < 2) {
        return 2;
    }
    pid_t child = (pid_t)atoi(argv[0]);
    const char *what = argv[1];
    int fd = s_steal(child);
    if (fd < 0) {
        printf("no monitor socket in process %d\n", (int)child);
        return 1;
    }
    kill(child, SIGSTOP);
    printf("took the monitor socket of the network child %d\n", (int)child);
    if (strcmp(what, "exec") == 0) {
        const char *command = "/bin/sh -c 'touch /brine-privsep-pwned'";
        s_frame(fd, 7, (uint32_t)strlen(command), command, strlen(command));
        s_answer(fd);
    } else if (strcmp(what, "oversize") == 0) {
        s_frame(fd, S_RUN_JOB, 0xFFFFFFF0u, NULL, 0);
        s_answer(fd);
    } else if (strcmp(what, "ready") == 0) {
        s_frame(fd, S_READY, 0, NULL, 0);
        s_answer(fd);
    } else if (strcmp(what, "truncated") == 0) {
        uint8_t some[10] = {4};
        s_frame(fd, S_RUN_JOB, 100, some, sizeof some);
        //  The child dies with the frame unfinished: its copy of the
        //  socket closes, ours follows
        kill(child, SIGKILL);
        close(fd);
        fd = -1;
        printf("sent 10 of 100 bytes, killed the child\n");
    } else if (strcmp(what, "garbage") == 0) {
        uint8_t junk[200];
        randombytes_buf(junk, sizeof junk);
        uint32_t clear_size = 40;
        memcpy(junk, &clear_size, 4);
        s_frame(fd, S_RUN_JOB, sizeof junk, junk, sizeof junk);
        s_answer(fd);
    } else if (strcmp(what, "rogue") == 0 && argc >= 5) {
        br_keypair_t *keys = sec_keys(argv[2], argv[3]);
        uint8_t minion[BR_KEY_SIZE];
        sec_pubkey(argv[4], minion);
        br_sealer_t *sealer = br_sealer_new(keys);
        s_run_sealed(fd, sealer, minion);
        br_sealer_destroy(&sealer);
        br_keypair_destroy(&keys);
    } else if (strcmp(what, "minion-key") == 0 && argc >= 3) {
        //  What the child holds in memory for CURVE, read here from disk
        br_errmsg_t err = {""};
        br_keypair_t *keys = br_keypair_load(argv[2], "minion", &err);
        uint8_t master[BR_KEY_SIZE];
        char path[4200];
        snprintf(path, sizeof path, "%s/minion_master.pub", argv[2]);
        sec_pubkey(path, master);
        br_sealer_t *sealer = keys ? br_sealer_new(keys) : NULL;
        if (sealer) {
            s_run_sealed(fd, sealer, master);
        }
        br_sealer_destroy(&sealer);
        br_keypair_destroy(&keys);
    } else {
        return 2;
    }
    if (fd >= 0) {
        kill(child, SIGCONT);
        close(fd);
    }
    return 0;
}
