/*  br_monitor_proto: length-checked frames on the monitor's socketpair. */
#include "br_monitor_proto.h"

#include <sys/socket.h>
#include <unistd.h>

//  Reads exactly size bytes; the count actually read, short only at end of
//  file or on an error (errno then set)
static size_t
s_read_full(int fd, uint8_t *buf, size_t size)
{
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            if (n == 0) {
                errno = 0;
            }
            break;
        }
        got += (size_t)n;
    }
    return got;
}

int
br_mon_send(int fd, uint32_t op, const struct iovec *parts, int count)
{
    size_t total = 0;
    for (int i = 0; i < count; i++) {
        total += parts[i].iov_len;
    }
    if (total > BR_MON_PAYLOAD_MAX || count > 7) {
        return BR_ERR_TOOBIG;
    }
    uint32_t header[2] = {op, (uint32_t)total};
    struct iovec iov[8] = {{header, sizeof header}};
    for (int i = 0; i < count; i++) {
        iov[i + 1] = parts[i];
    }
    //  A stream socket may take a large frame in several writes
    struct iovec *at = iov;
    int left = count + 1;
    while (left > 0) {
        //  A peer gone is an error to report, not a SIGPIPE to die of
        struct msghdr msg = {.msg_iov = at, .msg_iovlen = (size_t)left};
        ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return BR_ERR_IO;
        }
        while (left > 0 && (size_t)n >= at->iov_len) {
            n -= (ssize_t)at->iov_len;
            at++;
            left--;
        }
        if (left > 0) {
            at->iov_base = (uint8_t *)at->iov_base + n;
            at->iov_len -= (size_t)n;
        }
    }
    return BR_OK;
}

int
br_mon_recv_header(int fd, uint32_t *op_p, size_t *size_p, br_errmsg_t *err)
{
    uint32_t header[2];
    size_t got = s_read_full(fd, (uint8_t *)header, sizeof header);
    if (got == 0 && errno == 0) {
        return BR_ERR_IO; //  closed between frames: a clean end
    }
    if (got < sizeof header) {
        return errno ? br_errmsg_set(err, BR_ERR_IO, "cannot read a frame: %s", strerror(errno))
                     : br_errmsg_set(err, BR_ERR_TRUNCATED,
                                     "a frame header ends after %zu of %d bytes", got,
                                     BR_MON_HEADER);
    }
    *op_p = header[0];
    *size_p = header[1];
    return BR_OK;
}

int
br_mon_recv_payload(int fd, uint32_t op, size_t size, uint8_t **payload_p, br_errmsg_t *err)
{
    *payload_p = NULL;
    if (size == 0) {
        return BR_OK;
    }
    uint8_t *payload = malloc(size);
    if (!payload) {
        return br_errmsg_set(err, BR_ERR_NOMEM, "no memory for a frame of %zu bytes", size);
    }
    size_t got = s_read_full(fd, payload, size);
    if (got < size) {
        free(payload);
        return errno ? br_errmsg_set(err, BR_ERR_IO, "cannot read a frame: %s", strerror(errno))
                     : br_errmsg_set(err, BR_ERR_TRUNCATED,
                                     "a frame (operation %u) ends after %zu of %zu bytes", op,
                                     got, size);
    }
    *payload_p = payload;
    return BR_OK;
}

int
br_mon_recv(int fd, uint32_t *op_p, uint8_t **payload_p, size_t *size_p, size_t max,
            br_errmsg_t *err)
{
    *payload_p = NULL;
    *size_p = 0;
    size_t size = 0;
    int rc = br_mon_recv_header(fd, op_p, &size, err);
    if (rc == BR_OK && size > max) {
        rc = br_errmsg_set(err, BR_ERR_TOOBIG,
                           "a frame (operation %u) declares %zu bytes, over the bound of %zu",
                           *op_p, size, max);
    }
    if (rc == BR_OK) {
        rc = br_mon_recv_payload(fd, *op_p, size, payload_p, err);
    }
    if (rc == BR_OK) {
        *size_p = size;
    }
    return rc;
}
