/* socket.c: URIs, connecting, and sending whole frames (with an fd when there is one). */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "internal.h"

const char *dmaemu_default_socket(void)
{
    static _Thread_local char path[256];
    const char *rt = getenv("XDG_RUNTIME_DIR");
    if (rt != NULL && rt[0] == '/')
        snprintf(path, sizeof(path), "%s/dmaemu/dmaemud.sock", rt);
    else
        snprintf(path, sizeof(path), "/run/dmaemu/dmaemud.sock");
    return path;
}

static int connect_unix(const char *path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(addr.sun_path))
        return dmaemu_fail(DMAEMU_E_INVALID, "socket path too long: %s", path);
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return dmaemu_fail(DMAEMU_E_SYSTEM, "socket: %s", strerror(errno));
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        int err = errno;
        close(fd);
        return dmaemu_fail(DMAEMU_E_CONNECT,
                           "cannot connect to unix:%s: %s; is dmaemud running? (scripts/run.sh "
                           "starts one; --daemon or DMAEMU_DAEMON choose another)",
                           path, strerror(err));
    }
    return fd;
}

static int split_host_port(const char *hp, char *host, size_t cap, char *port, size_t pcap)
{
    const char *colon;
    size_t hlen;
    if (*hp == '[') {
        const char *close = strchr(hp, ']');
        if (close == NULL || close[1] != ':')
            return -1;
        hp++;
        hlen = (size_t)(close - hp);
        colon = close + 1;
    } else {
        colon = strrchr(hp, ':');
        if (colon == NULL)
            return -1;
        hlen = (size_t)(colon - hp);
    }
    if (hlen == 0 || hlen >= cap || strlen(colon + 1) == 0 || strlen(colon + 1) >= pcap)
        return -1;
    memcpy(host, hp, hlen);
    host[hlen] = '\0';
    strcpy(port, colon + 1);
    return 0;
}

static int connect_tcp(const char *uri, const char *hp)
{
    char host[256], port[16];
    if (split_host_port(hp, host, sizeof(host), port, sizeof(port)) < 0)
        return dmaemu_fail(DMAEMU_E_INVALID, "'%s': expected tcp://HOST:PORT", uri);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0)
        return dmaemu_fail(DMAEMU_E_CONNECT, "cannot resolve %s: %s", host, gai_strerror(rc));
    int fd = -1, err = 0;
    for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
            err = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        return dmaemu_fail(DMAEMU_E_CONNECT,
                           "cannot connect to %s: %s; is dmaemud listening there "
                           "(dmaemud --listen)?",
                           uri, strerror(err));
    int one = 1; /* every request waits for its reply: never delay small frames */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

int socket_connect(const char *uri, bool *remote)
{
    if (uri == NULL || uri[0] == '\0')
        uri = getenv("DMAEMU_DAEMON");
    if (uri == NULL || uri[0] == '\0') {
        *remote = false;
        return connect_unix(dmaemu_default_socket());
    }
    if (strncmp(uri, "unix:", 5) == 0) {
        *remote = false;
        return connect_unix(uri + 5);
    }
    if (strncmp(uri, "tcp://", 6) == 0) {
        *remote = true;
        return connect_tcp(uri, uri + 6);
    }
    return dmaemu_fail(DMAEMU_E_INVALID, "'%s': daemon URIs look like unix:PATH or tcp://HOST:PORT",
                       uri);
}

int socket_send_frame(int fd, const uint8_t *hdr, size_t hdr_len, const void *data, size_t data_len,
                      int pass_fd)
{
    return socket_send_frames(fd, NULL, 0, hdr, hdr_len, data, data_len, pass_fd);
}

int socket_send_frames(int fd, const uint8_t *prefix, size_t prefix_len, const uint8_t *hdr,
                       size_t hdr_len, const void *data, size_t data_len, int pass_fd)
{
    struct iovec all[3] = {
        {(void *)prefix, prefix_len}, {(void *)hdr, hdr_len}, {(void *)data, data_len}};
    /* Empty parts are left out: the first and last may be. */
    struct iovec *iov = prefix_len ? all : all + 1;
    size_t n_iov = (prefix_len ? 3 : 2) - (data_len ? 0 : 1);
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = n_iov};
    if (pass_fd >= 0) {
        m.msg_control = ctl.buf;
        m.msg_controllen = sizeof(ctl.buf);
        struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &pass_fd, sizeof(int));
    }
    while (m.msg_iovlen > 0) {
        ssize_t n = sendmsg(fd, &m, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return dmaemu_fail(DMAEMU_E_DISCONNECTED, "sending to the daemon failed: %s",
                               strerror(errno));
        }
        m.msg_control = NULL; /* the fd went with the first bytes */
        m.msg_controllen = 0;
        while (m.msg_iovlen > 0 && (size_t)n >= m.msg_iov[0].iov_len) {
            n -= (ssize_t)m.msg_iov[0].iov_len;
            m.msg_iov++;
            m.msg_iovlen--;
        }
        if (m.msg_iovlen > 0) {
            m.msg_iov[0].iov_base = (uint8_t *)m.msg_iov[0].iov_base + n;
            m.msg_iov[0].iov_len -= (size_t)n;
        }
    }
    return 0;
}
