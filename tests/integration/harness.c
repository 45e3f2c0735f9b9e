/*
 * harness.c: starts a private dmaemud per test, connects clients to it, runs the CLI against it.
 *
 * Nothing here sleeps to synchronise: start-up is the daemon's --ready-fd report, process exits
 * are waited for through a pidfd (or bounded polling where pidfds are unavailable), and CLI output
 * is read from a pipe until it closes.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

extern char **environ;

#define READY_TIMEOUT_MS 10000
#define STOP_TIMEOUT_MS  10000
#define CLI_TIMEOUT_MS   30000
#define LOG_TAIL_BYTES   65536

/* Utilities ------------------------------------------------------------------------------------ */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int remaining_ms(int64_t deadline)
{
    int64_t left = deadline - now_ms();
    return left < 0 ? 0 : (int)left;
}

static int write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return -1;
    size_t len = strlen(text);
    ssize_t n = write(fd, text, len);
    close(fd);
    return n == (ssize_t)len ? 0 : -1;
}

static void print_log(const struct harness_daemon *d)
{
    FILE *f = fopen(d->log_path, "re");
    if (f == NULL) {
        fprintf(stderr, "harness: no daemon log at %s\n", d->log_path);
        return;
    }
    if (fseek(f, 0, SEEK_END) == 0 && ftell(f) > LOG_TAIL_BYTES)
        fseek(f, -LOG_TAIL_BYTES, SEEK_END);
    else
        rewind(f);
    fprintf(stderr, "---- dmaemud log (%s) ----\n", d->log_path);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        fwrite(buf, 1, n, stderr);
    fprintf(stderr, "---- end of dmaemud log ----\n");
    fclose(f);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void remove_dir(const char *dir)
{
    if (getenv("DMAEMU_TEST_KEEP") != NULL) {
        fprintf(stderr, "harness: keeping %s\n", dir);
        return;
    }
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Waits up to timeout_ms for pid to exit; 0 with *status, or -1 on timeout. */
static int wait_exit(pid_t pid, int timeout_ms, int *status)
{
    int64_t deadline = now_ms() + timeout_ms;
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pfd >= 0) {
        struct pollfd p = {.fd = pfd, .events = POLLIN};
        int r;
        while ((r = poll(&p, 1, remaining_ms(deadline))) < 0 && errno == EINTR)
            ;
        close(pfd);
        if (r <= 0)
            return -1;
        return waitpid(pid, status, 0) == pid ? 0 : -1;
    }
    /* No pidfds: bounded polling. */
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return 0;
        if (r < 0 || now_ms() >= deadline)
            return -1;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
}

static int exit_code(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

/* Start-up ------------------------------------------------------------------------------------- */

static int make_token(struct harness_daemon *d)
{
    uint8_t raw[32];
    if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
        return -1;
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(d->token + 2 * i, 3, "%02x", raw[i]);
    char line[80];
    snprintf(line, sizeof(line), "%s\n", d->token);
    return write_file(d->token_file, line, 0600);
}

static int make_dir(struct harness_daemon *d)
{
    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || tmp[0] == '\0' || strlen(tmp) > 60)
        tmp = "/tmp";
    snprintf(d->dir, sizeof(d->dir), "%s/dmaemu-it-XXXXXX", tmp);
    if (mkdtemp(d->dir) == NULL) {
        fprintf(stderr, "harness: mkdtemp %s: %s\n", d->dir, strerror(errno));
        return -1;
    }
    snprintf(d->unix_uri, sizeof(d->unix_uri), "unix:%s/dmaemud.sock", d->dir);
    snprintf(d->token_file, sizeof(d->token_file), "%s/token", d->dir);
    snprintf(d->log_path, sizeof(d->log_path), "%s/dmaemud.log", d->dir);
    return 0;
}

/* Everything the child needs, built before fork (the child only calls async-signal-safe code). */
struct launch {
    char *argv[20];
    char *envp[256];
    char sock[320], cfg[320], fdnum[16];
    char env_store[6][352];
    int log_fd, null_fd, ready_w;
};

static bool env_overridden(const char *entry)
{
    static const char *const keys[] = {"XDG_RUNTIME_DIR=", "XDG_STATE_HOME=", "XDG_DATA_HOME=",
                                       "XDG_CONFIG_HOME=", "XDG_CACHE_HOME=", "HOME="};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strncmp(entry, keys[i], strlen(keys[i])) == 0)
            return true;
    return false;
}

/* The daemon's defaults (database, runtime files) land in the private directory. */
static void build_env(struct launch *l, const char *dir)
{
    static const char *const keys[] = {"XDG_RUNTIME_DIR", "XDG_STATE_HOME", "XDG_DATA_HOME",
                                       "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "HOME"};
    size_t n = 0;
    for (size_t i = 0; i < 6; i++) {
        snprintf(l->env_store[i], sizeof(l->env_store[i]), "%s=%s", keys[i], dir);
        l->envp[n++] = l->env_store[i];
    }
    for (char **e = environ; *e != NULL && n < 255; e++)
        if (!env_overridden(*e))
            l->envp[n++] = *e;
    l->envp[n] = NULL;
}

static void build_argv(struct launch *l, const struct harness_daemon *d, bool config)
{
    size_t n = 0;
    snprintf(l->sock, sizeof(l->sock), "%s", d->unix_uri + strlen("unix:"));
    snprintf(l->cfg, sizeof(l->cfg), "%s/dmaemud.ini", d->dir);
    snprintf(l->fdnum, sizeof(l->fdnum), "%d", l->ready_w);
    l->argv[n++] = (char *)DMAEMUD_PATH;
    if (config) {
        l->argv[n++] = (char *)"--config";
        l->argv[n++] = l->cfg;
    }
    l->argv[n++] = (char *)"--socket";
    l->argv[n++] = l->sock;
    l->argv[n++] = (char *)"--listen";
    l->argv[n++] = (char *)"tcp://127.0.0.1:0";
    l->argv[n++] = (char *)"--token-file";
    l->argv[n++] = (char *)d->token_file;
    l->argv[n++] = (char *)"--http";
    l->argv[n++] = (char *)"127.0.0.1:0";
    l->argv[n++] = (char *)"--log-level";
    l->argv[n++] = (char *)"debug";
    l->argv[n++] = (char *)"--ready-fd";
    l->argv[n++] = l->fdnum;
    l->argv[n] = NULL;
}

static void child_exec(const struct launch *l)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(l->null_fd, STDIN_FILENO);
    dup2(l->log_fd, STDOUT_FILENO);
    dup2(l->log_fd, STDERR_FILENO);
    int flags = fcntl(l->ready_w, F_GETFD);
    fcntl(l->ready_w, F_SETFD, flags & ~FD_CLOEXEC);
    execve(l->argv[0], l->argv, l->envp);
    _exit(127);
}

static pid_t spawn_daemon(struct harness_daemon *d, bool config, int *ready_r)
{
    struct launch *l = calloc(1, sizeof(*l));
    int p[2];
    if (l == NULL || pipe2(p, O_CLOEXEC) < 0) {
        free(l);
        return -1;
    }
    l->ready_w = p[1];
    l->log_fd = open(d->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    l->null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    build_argv(l, d, config);
    build_env(l, d->dir);
    pid_t pid = l->log_fd >= 0 && l->null_fd >= 0 ? fork() : -1;
    if (pid == 0)
        child_exec(l);
    close(p[1]);
    close(l->log_fd);
    close(l->null_fd);
    free(l);
    if (pid < 0)
        close(p[0]);
    else
        *ready_r = p[0];
    return pid;
}

/* The report ended: accept a last line "ready" without its newline. */
static int ready_at_eof(const char *buf)
{
    size_t len = strlen(buf);
    if (len >= 5 && strcmp(buf + len - 5, "ready") == 0 && (len == 5 || buf[len - 6] == '\n'))
        return 0;
    fprintf(stderr, "harness: dmaemud closed --ready-fd without 'ready' (got \"%s\")\n", buf);
    return -1;
}

/* Reads the ready report into buf until "ready\n", EOF or the deadline. */
static int read_ready(int fd, char *buf, size_t cap)
{
    int64_t deadline = now_ms() + READY_TIMEOUT_MS;
    size_t len = 0;
    for (;;) {
        buf[len] = '\0';
        if (strncmp(buf, "ready\n", 6) == 0 || strstr(buf, "\nready\n") != NULL)
            return 0;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, remaining_ms(deadline));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            fprintf(stderr, "harness: dmaemud not ready after %d ms\n", READY_TIMEOUT_MS);
            return -1;
        }
        ssize_t n = read(fd, buf + len, cap - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) /* EOF, or the buffer is full */
            return ready_at_eof(buf);
        len += (size_t)n;
    }
}

static int parse_ready(struct harness_daemon *d, char *buf)
{
    bool unix_seen = false;
    d->tcp_uri[0] = '\0';
    d->http_uri[0] = '\0';
    for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "unix:", 5) == 0) {
            unix_seen = strcmp(line, d->unix_uri) == 0;
            if (!unix_seen)
                fprintf(stderr, "harness: daemon reports %s, expected %s\n", line, d->unix_uri);
        } else if (strncmp(line, "tcp://", 6) == 0 && strlen(line) < sizeof(d->tcp_uri)) {
            snprintf(d->tcp_uri, sizeof(d->tcp_uri), "%s", line);
        } else if (strncmp(line, "http://", 7) == 0 && strlen(line) < sizeof(d->http_uri)) {
            snprintf(d->http_uri, sizeof(d->http_uri), "%s", line);
        } else if (strcmp(line, "ready") != 0) {
            fprintf(stderr, "harness: unexpected ready line \"%s\"\n", line);
            return -1;
        }
    }
    if (!unix_seen || strncmp(d->tcp_uri, "tcp://127.0.0.1:", 16) != 0) {
        fprintf(stderr, "harness: ready report lacks the unix or tcp listener\n");
        return -1;
    }
    return 0;
}

static void abort_start(struct harness_daemon *d)
{
    int status;
    print_log(d);
    if (d->pid > 0) {
        kill(d->pid, SIGKILL);
        wait_exit(d->pid, STOP_TIMEOUT_MS, &status);
        d->pid = -1;
    }
    remove_dir(d->dir);
}

int harness_start(struct harness_daemon *d, const char *config_ini)
{
    /* Tests name the daemon and the token explicitly; the caller's environment must not leak in. */
    unsetenv("DMAEMU_DAEMON");
    unsetenv("DMAEMU_TOKEN_FILE");
    memset(d, 0, sizeof(*d));
    d->pid = -1;
    if (make_dir(d) < 0)
        return -1;
    char cfg[320];
    snprintf(cfg, sizeof(cfg), "%s/dmaemud.ini", d->dir);
    if (make_token(d) < 0 || (config_ini != NULL && write_file(cfg, config_ini, 0644) < 0)) {
        fprintf(stderr, "harness: cannot write files in %s: %s\n", d->dir, strerror(errno));
        abort_start(d);
        return -1;
    }
    int ready_r = -1;
    d->pid = spawn_daemon(d, config_ini != NULL, &ready_r);
    if (d->pid < 0) {
        fprintf(stderr, "harness: cannot start %s: %s\n", DMAEMUD_PATH, strerror(errno));
        abort_start(d);
        return -1;
    }
    char buf[1024];
    int rc = read_ready(ready_r, buf, sizeof(buf));
    close(ready_r);
    if (rc < 0 || parse_ready(d, buf) < 0) {
        abort_start(d);
        return -1;
    }
    return 0;
}

/* Stop and status ------------------------------------------------------------------------------ */

int harness_stop(struct harness_daemon *d)
{
    if (d->pid <= 0)
        return -1;
    int status = 0, rc;
    kill(d->pid, SIGTERM);
    if (wait_exit(d->pid, STOP_TIMEOUT_MS, &status) < 0) {
        fprintf(stderr, "harness: dmaemud (pid %d) ignored SIGTERM for %d ms; killing it\n",
                (int)d->pid, STOP_TIMEOUT_MS);
        kill(d->pid, SIGKILL);
        wait_exit(d->pid, STOP_TIMEOUT_MS, &status);
        rc = -1;
    } else {
        rc = exit_code(status);
    }
    if (rc != 0) {
        fprintf(stderr, "harness: dmaemud exit status %d\n", rc);
        print_log(d);
    }
    d->pid = -1;
    remove_dir(d->dir);
    return rc;
}

bool harness_alive(struct harness_daemon *d)
{
    if (d->pid <= 0)
        return false;
    siginfo_t info;
    memset(&info, 0, sizeof(info));
    /* WNOWAIT: look without reaping, so harness_stop still collects the status. */
    if (waitid(P_PID, (id_t)d->pid, &info, WEXITED | WNOHANG | WNOWAIT) < 0)
        return false;
    return info.si_pid == 0;
}

const char *harness_uri(struct harness_daemon *d, bool tcp)
{
    return tcp ? d->tcp_uri : d->unix_uri;
}

/* Clients -------------------------------------------------------------------------------------- */

dmaemu_t *harness_connect(struct harness_daemon *d, bool tcp, enum dmaemu_role role,
                          const char *name)
{
    struct dmaemu_connect_options opts = {
        .role = role,
        .name = name,
        .token_file = tcp ? d->token_file : NULL,
    };
    dmaemu_t *c = NULL;
    int rc = dmaemu_connect(harness_uri(d, tcp), &opts, &c);
    if (rc != 0 || c == NULL) {
        print_error("harness: dmaemu_connect(%s, %s) = %d (%s): %s\n", harness_uri(d, tcp),
                    name ? name : "(null)", rc, dmaemu_strerror(rc), dmaemu_last_error());
        fail_msg("cannot connect to dmaemud");
    }
    return c;
}

/* CLI ------------------------------------------------------------------------------------------ */

static char **cli_argv(struct harness_daemon *d, bool tcp, const char *const argv[])
{
    size_t n = 0;
    while (argv[n] != NULL)
        n++;
    char **v = calloc(n + 6, sizeof(*v));
    if (v == NULL)
        return NULL;
    size_t i = 0;
    v[i++] = (char *)DMAEMU_CLI_PATH;
    v[i++] = (char *)"--daemon";
    v[i++] = (char *)harness_uri(d, tcp);
    if (tcp) {
        v[i++] = (char *)"--token-file";
        v[i++] = d->token_file;
    }
    for (size_t k = 0; k < n; k++)
        v[i++] = (char *)argv[k];
    v[i] = NULL;
    return v;
}

static pid_t cli_spawn(char **argv, int out_w)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out_w, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, out_w, STDERR_FILENO);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        fprintf(stderr, "harness: cannot run %s: %s\n", argv[0], strerror(rc));
        return -1;
    }
    return pid;
}

/* Reads until EOF (keeping at most cap-1 bytes); -1 if the deadline passes first. */
static int read_all(int fd, char *out, size_t cap, int64_t deadline)
{
    size_t len = 0;
    char sink[4096];
    for (;;) {
        out[len] = '\0';
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, remaining_ms(deadline));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        bool room = len + 1 < cap;
        ssize_t n = room ? read(fd, out + len, cap - 1 - len) : read(fd, sink, sizeof(sink));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;
        if (room)
            len += (size_t)n;
    }
}

int harness_cli(struct harness_daemon *d, bool tcp, const char *const argv[], char *out, size_t cap)
{
    char **v = cli_argv(d, tcp, argv);
    int p[2];
    if (v == NULL || cap == 0 || pipe2(p, O_CLOEXEC) < 0) {
        free(v);
        return -1;
    }
    pid_t pid = cli_spawn(v, p[1]);
    free(v);
    close(p[1]);
    int64_t deadline = now_ms() + CLI_TIMEOUT_MS;
    int rd = pid > 0 ? read_all(p[0], out, cap, deadline) : -1;
    close(p[0]);
    if (pid <= 0)
        return -1;
    int status;
    if (rd < 0 || wait_exit(pid, remaining_ms(deadline) + 1000, &status) < 0) {
        fprintf(stderr, "harness: the CLI did not finish within %d ms; killing it\n",
                CLI_TIMEOUT_MS);
        kill(pid, SIGKILL);
        wait_exit(pid, STOP_TIMEOUT_MS, &status);
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
