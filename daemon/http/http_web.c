/*
 * http_web.c: the web dashboard's static files (web/, built by the build into web/dist), served
 * by libh2o's file handler beside the API.
 *
 * The files hold no data: everything the page shows comes from /api, which checks the token
 * where one is needed; so the files themselves are served to anyone who can connect. Without
 * a built dashboard, "/" answers with what to do instead of a bare 404.
 */
#include "http.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "http_internal.h"
#include "log.h"

static const char web_missing_text[] =
    "The dmaemu web dashboard is not built into this dmaemud.\n"
    "Build it with scripts/build.sh (it needs node and npm: scripts/deps.sh installs them), or\n"
    "point dmaemud at a built copy with --web DIR. The JSON API is served under /api.\n";

static bool dir_has_index(const char *dir)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof(path), "%s/index.html", dir);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

const char *http_web_root(const char *configured)
{
    if (configured != NULL)
        return strcmp(configured, "off") == 0 ? NULL : configured;
    static const char *const defaults[] = {DMAEMU_WEB_BUILD_DIR, DMAEMU_WEB_INSTALL_DIR};
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
        if (dir_has_index(defaults[i]))
            return defaults[i];
    return NULL;
}

static int web_missing(h2o_handler_t *self, h2o_req_t *req)
{
    req->res.status = 404;
    req->res.reason = "Not Found";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("text/plain; charset=utf-8"));
    h2o_send_inline(req, web_missing_text, sizeof(web_missing_text) - 1);
    return 0;
}

int http_web_register(h2o_hostconf_t *host, const char *root, char *err, size_t errlen)
{
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    if (root == NULL) {
        h2o_handler_t *handler = h2o_create_handler(path, sizeof(*handler));
        handler->on_req = web_missing;
        return 0;
    }
    if (!dir_has_index(root)) {
        snprintf(err, errlen, "--web %s: no index.html there (a built dashboard is web/dist)",
                 root);
        return -1;
    }
    static const char *index_files[] = {"index.html", NULL};
    h2o_file_register(path, root, index_files, NULL, 0);
    log_info("serving the web dashboard from %s", root);
    return 0;
}
