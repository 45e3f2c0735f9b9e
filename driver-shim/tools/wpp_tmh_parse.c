/*
 * wpp_tmh_parse.c: reads a driver's WPP configuration from its trace header.
 *
 * Two sources, handled differently because they live in different places:
 *  - WPP_CONTROL_GUIDS is a macro, so it is read the way the C preprocessor would see it:
 *    backslash-newlines spliced (also before CRLF), comments replaced by a space (comments
 *    between WPP_DEFINE_BITs are common, and a comment may hold a backslash-newline).
 *  - The begin_wpp config ... end_wpp block is itself inside comments, so it is read from the
 *    raw text, line by line, with the comment markers stripped.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "wpp_tmh.h"

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
                                                      ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err != NULL && errlen > 0)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static bool is_word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

static bool is_hspace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* ---- translation phases 2 and 3 --------------------------------------------------------- */

/* Backslash, optional trailing blanks (gcc accepts them), optional CR, LF: removed. */
static size_t splice_length(const char *p, const char *end)
{
    const char *q = p + 1;
    while (q < end && (*q == ' ' || *q == '\t'))
        q++;
    if (q < end && *q == '\r')
        q++;
    return q < end && *q == '\n' ? (size_t)(q + 1 - p) : 0;
}

static size_t splice_lines(const char *src, size_t len, char *dst)
{
    const char *end = src + len;
    size_t n = 0;
    for (const char *p = src; p < end;) {
        size_t skip = *p == '\\' ? splice_length(p, end) : 0;
        if (skip > 0) {
            p += skip;
            continue;
        }
        dst[n++] = *p++;
    }
    dst[n] = '\0';
    return n;
}

/* Copies a string or character literal starting at s[i]; returns the index after it. */
static size_t copy_literal(const char *s, size_t i, char *dst, size_t *n)
{
    char quote = s[i];
    dst[(*n)++] = s[i++];
    while (s[i] && s[i] != quote && s[i] != '\n') {
        if (s[i] == '\\' && s[i + 1] && s[i + 1] != '\n')
            dst[(*n)++] = s[i++];
        dst[(*n)++] = s[i++];
    }
    if (s[i] == quote)
        dst[(*n)++] = s[i++];
    return i;
}

/* Each comment becomes one space; newlines outside comments are kept, so lines stay lines. */
static void strip_comments(const char *s, char *dst)
{
    size_t i = 0, n = 0;
    while (s[i]) {
        if (s[i] == '"' || s[i] == '\'') {
            i = copy_literal(s, i, dst, &n);
        } else if (s[i] == '/' && s[i + 1] == '/') {
            while (s[i] && s[i] != '\n')
                i++;
            dst[n++] = ' ';
        } else if (s[i] == '/' && s[i + 1] == '*') {
            const char *close = strstr(s + i + 2, "*/");
            i = close != NULL ? (size_t)(close + 2 - s) : strlen(s);
            dst[n++] = ' ';
        } else {
            dst[n++] = s[i++];
        }
    }
    dst[n] = '\0';
}

/* The header as the preprocessor's directive parser sees it. Caller frees. */
static char *translate(const char *text, size_t len)
{
    char *spliced = malloc(len + 1);
    char *clean = malloc(len + 1);
    if (spliced == NULL || clean == NULL) {
        free(spliced);
        free(clean);
        return NULL;
    }
    splice_lines(text, len, spliced);
    strip_comments(spliced, clean);
    free(spliced);
    return clean;
}

/* ---- tokens ------------------------------------------------------------------------------ */

struct lexer {
    const char *p;
    const char *end;
};

/* A word ([A-Za-z0-9_]+, which covers GUID parts) or one punctuation character; n 0 at end. */
struct token {
    const char *s;
    size_t n;
};

static struct token lex(struct lexer *lx)
{
    while (lx->p < lx->end && isspace((unsigned char)*lx->p))
        lx->p++;
    struct token t = {lx->p, 0};
    if (lx->p >= lx->end)
        return t;
    if (is_word_char(*lx->p)) {
        while (lx->p < lx->end && is_word_char(*lx->p))
            lx->p++;
    } else {
        lx->p++;
    }
    t.n = (size_t)(lx->p - t.s);
    return t;
}

static bool tok_is(struct token t, const char *text)
{
    return t.n == strlen(text) && memcmp(t.s, text, t.n) == 0;
}

static bool tok_is_identifier(struct token t)
{
    return t.n > 0 && is_word_char(t.s[0]) && !isdigit((unsigned char)t.s[0]);
}

static int expect(struct lexer *lx, const char *text, const char *where, char *err, size_t errlen)
{
    struct token t = lex(lx);
    if (tok_is(t, text))
        return 0;
    if (t.n == 0)
        return fail(err, errlen, "%s: expected '%s', found the end", where, text);
    return fail(err, errlen, "%s: expected '%s', found '%.*s'", where, text, (int)t.n, t.s);
}

static int copy_identifier(struct token t, char *dst, const char *what, char *err, size_t errlen)
{
    if (!tok_is_identifier(t))
        return fail(err, errlen, "expected %s, found '%.*s'", what, (int)t.n, t.s);
    if (t.n >= WPP_MAX_NAME)
        return fail(err, errlen, "%s '%.*s' is too long", what, (int)t.n, t.s);
    memcpy(dst, t.s, t.n);
    dst[t.n] = '\0';
    return 0;
}

/* ---- WPP_CONTROL_GUIDS ------------------------------------------------------------------- */

static const char *skip_hspace(const char *p)
{
    while (is_hspace(*p))
        p++;
    return p;
}

/* Matches word at *pp followed by a non-word character; advances past it. */
static bool match_word(const char **pp, const char *word)
{
    size_t n = strlen(word);
    if (strncmp(*pp, word, n) != 0 || is_word_char((*pp)[n]))
        return false;
    *pp += n;
    return true;
}

/* If line is "#define WPP_CONTROL_GUIDS <body>" (object-like), returns the body. */
static const char *control_guids_body(const char *line)
{
    const char *p = skip_hspace(line);
    if (*p != '#')
        return NULL;
    p = skip_hspace(p + 1);
    if (!match_word(&p, "define"))
        return NULL;
    p = skip_hspace(p);
    if (!match_word(&p, "WPP_CONTROL_GUIDS") || *p == '(')
        return NULL;
    return p;
}

/* Finds the first "#define WPP_CONTROL_GUIDS"; returns its body, which ends at *body_end. */
static const char *find_control_guids(const char *text, const char **body_end)
{
    for (const char *line = text; *line;) {
        const char *eol = strchr(line, '\n');
        if (eol == NULL)
            eol = line + strlen(line);
        const char *body = control_guids_body(line);
        if (body != NULL) {
            *body_end = eol;
            return body;
        }
        line = *eol ? eol + 1 : eol;
    }
    return NULL;
}

static bool is_hex_word(struct token t, size_t digits)
{
    if (t.n != digits)
        return false;
    for (size_t i = 0; i < t.n; i++) {
        if (!isxdigit((unsigned char)t.s[i]))
            return false;
    }
    return true;
}

/* (xxxxxxxx, xxxx, xxxx, xxxx, xxxxxxxxxxxx) into the canonical lowercase form. */
static int parse_guid(struct lexer *lx, struct wpp_control *c, char *err, size_t errlen)
{
    static const size_t digits[5] = {8, 4, 4, 4, 12};
    char where[WPP_MAX_NAME + 32];
    snprintf(where, sizeof(where), "GUID of %s", c->name);
    if (expect(lx, "(", where, err, errlen) != 0)
        return -1;
    size_t n = 0;
    for (int i = 0; i < 5; i++) {
        struct token t = lex(lx);
        if (!is_hex_word(t, digits[i]))
            return fail(err, errlen, "%s: part %d should be %zu hex digits, found '%.*s'", where,
                        i + 1, digits[i], (int)t.n, t.s);
        for (size_t k = 0; k < t.n; k++)
            c->guid[n++] = (char)tolower((unsigned char)t.s[k]);
        if (i < 4) {
            c->guid[n++] = '-';
            if (expect(lx, ",", where, err, errlen) != 0)
                return -1;
        }
    }
    c->guid[n] = '\0';
    return expect(lx, ")", where, err, errlen);
}

static bool bit_defined(const struct wpp_config *cfg, const char *name)
{
    for (unsigned i = 0; i < cfg->control_count; i++) {
        for (unsigned b = 0; b < cfg->controls[i].bit_count; b++) {
            if (strcmp(cfg->controls[i].bits[b], name) == 0)
                return true;
        }
    }
    return false;
}

/* WPP_DEFINE_BIT(NAME), the keyword already read. */
static int parse_bit(struct lexer *lx, struct wpp_config *cfg, struct wpp_control *c, char *err,
                     size_t errlen)
{
    char name[WPP_MAX_NAME];
    if (expect(lx, "(", "WPP_DEFINE_BIT", err, errlen) != 0 ||
        copy_identifier(lex(lx), name, "a WPP_DEFINE_BIT name", err, errlen) != 0 ||
        expect(lx, ")", "WPP_DEFINE_BIT", err, errlen) != 0)
        return -1;
    if (c->bit_count == WPP_MAX_BITS)
        return fail(err, errlen,
                    "%s has more than %d WPP_DEFINE_BITs; WPP needs another control GUID", c->name,
                    WPP_MAX_BITS);
    if (bit_defined(cfg, name))
        return fail(err, errlen, "WPP_DEFINE_BIT(%s) appears twice", name);
    strcpy(c->bits[c->bit_count++], name);
    return 0;
}

/* WPP_DEFINE_CONTROL_GUID(Name, (guid), WPP_DEFINE_BIT(X) ...), the keyword already read. */
static int parse_control(struct lexer *lx, struct wpp_config *cfg, char *err, size_t errlen)
{
    if (cfg->control_count == WPP_MAX_CONTROLS)
        return fail(err, errlen, "more than %d control GUIDs", WPP_MAX_CONTROLS);
    struct wpp_control *c = &cfg->controls[cfg->control_count];
    memset(c, 0, sizeof(*c));
    if (expect(lx, "(", "WPP_DEFINE_CONTROL_GUID", err, errlen) != 0 ||
        copy_identifier(lex(lx), c->name, "a control GUID name", err, errlen) != 0 ||
        expect(lx, ",", c->name, err, errlen) != 0 || parse_guid(lx, c, err, errlen) != 0)
        return -1;
    cfg->control_count++; /* so bit_defined() sees this control's bits */
    struct token t = lex(lx);
    if (!tok_is(t, ")") && !tok_is(t, ","))
        return fail(err, errlen, "%s: expected ',' after the GUID, found '%.*s'", c->name, (int)t.n,
                    t.s);
    while (!tok_is(t, ")")) {
        t = lex(lx);
        if (tok_is(t, "WPP_DEFINE_BIT")) {
            if (parse_bit(lx, cfg, c, err, errlen) != 0)
                return -1;
        } else if (t.n == 0) {
            return fail(err, errlen,
                        "%s: the macro ends before the ')' (a // comment inside "
                        "a backslash-continued macro hides the rest)",
                        c->name);
        } else if (!tok_is(t, ",") && !tok_is(t, ")")) {
            return fail(err, errlen, "%s: expected WPP_DEFINE_BIT(...) or ')', found '%.*s'",
                        c->name, (int)t.n, t.s);
        }
    }
    return 0;
}

static int parse_controls(const char *body, const char *end, struct wpp_config *cfg, char *err,
                          size_t errlen)
{
    struct lexer lx = {body, end};
    for (struct token t = lex(&lx); t.n > 0; t = lex(&lx)) {
        if (!tok_is(t, "WPP_DEFINE_CONTROL_GUID"))
            return fail(err, errlen,
                        "WPP_CONTROL_GUIDS: expected WPP_DEFINE_CONTROL_GUID, found '%.*s'",
                        (int)t.n, t.s);
        if (parse_control(&lx, cfg, err, errlen) != 0)
            return -1;
    }
    if (cfg->control_count == 0)
        return fail(err, errlen, "WPP_CONTROL_GUIDS defines no control GUID");
    return 0;
}

/* ---- FUNC specs ------------------------------------------------------------------------------ */

static struct wpp_param *find_param(struct wpp_func *f, const char *name)
{
    for (unsigned i = 0; i < f->param_count; i++) {
        if (strcmp(f->params[i].name, name) == 0)
            return &f->params[i];
    }
    return NULL;
}

static int add_param(struct wpp_func *f, struct token t, char *err, size_t errlen)
{
    char name[WPP_MAX_NAME];
    if (copy_identifier(t, name, "a parameter name", err, errlen) != 0)
        return -1;
    if (find_param(f, name) != NULL)
        return fail(err, errlen, "%s: parameter %s appears twice", f->name, name);
    if (f->param_count == WPP_MAX_PARAMS)
        return fail(err, errlen, "%s: more than %d parameters", f->name, WPP_MAX_PARAMS);
    strcpy(f->params[f->param_count++].name, name);
    return 0;
}

/* The text of a fixed value, up to a ',' or '}' outside parentheses; trimmed. */
static int read_fixed_value(struct lexer *lx, struct wpp_param *p, char *err, size_t errlen)
{
    const char *s = lx->p;
    int depth = 0;
    while (lx->p < lx->end && (depth > 0 || (*lx->p != ',' && *lx->p != '}'))) {
        depth += *lx->p == '(' ? 1 : *lx->p == ')' ? -1 : 0;
        lx->p++;
    }
    const char *e = lx->p;
    while (s < e && isspace((unsigned char)*s))
        s++;
    while (e > s && isspace((unsigned char)e[-1]))
        e--;
    if (e == s || (size_t)(e - s) >= WPP_MAX_VALUE)
        return fail(err, errlen, "fixed parameter %s: bad value", p->name);
    memcpy(p->value, s, (size_t)(e - s));
    p->value[e - s] = '\0';
    p->fixed = true;
    return 0;
}

/* {NAME=value, ...}, the '{' already read. */
static int parse_fixed_params(struct lexer *lx, struct wpp_func *f, char *err, size_t errlen)
{
    for (;;) {
        struct token t = lex(lx);
        if (tok_is(t, "}"))
            return 0;
        if (add_param(f, t, err, errlen) != 0 || expect(lx, "=", f->name, err, errlen) != 0 ||
            read_fixed_value(lx, &f->params[f->param_count - 1], err, errlen) != 0)
            return -1;
        t = lex(lx);
        if (tok_is(t, "}"))
            return 0;
        if (!tok_is(t, ","))
            return fail(err, errlen, "%s: expected ',' or '}' in fixed parameters", f->name);
    }
}

/* After MSG only "..." may follow, then ')'. */
static int parse_after_msg(struct lexer *lx, const struct wpp_func *f, char *err, size_t errlen)
{
    struct token t = lex(lx);
    if (tok_is(t, ",")) {
        for (int i = 0; i < 3; i++) {
            if (expect(lx, ".", f->name, err, errlen) != 0)
                return fail(err, errlen, "%s: only '...' may follow MSG", f->name);
        }
        t = lex(lx);
    }
    if (!tok_is(t, ")"))
        return fail(err, errlen, "%s: only '...' may follow MSG", f->name);
    return 0;
}

/* (P1, P2, MSG, ...), the '(' already read. */
static int parse_call_params(struct lexer *lx, struct wpp_func *f, char *err, size_t errlen)
{
    for (;;) {
        struct token t = lex(lx);
        if (tok_is(t, "MSG"))
            return parse_after_msg(lx, f, err, errlen);
        if (tok_is(t, ")") || tok_is(t, ".") || t.n == 0)
            return fail(err, errlen, "%s: the parameters must end with MSG, ...", f->name);
        if (add_param(f, t, err, errlen) != 0)
            return -1;
        t = lex(lx);
        if (tok_is(t, ")") || t.n == 0)
            return fail(err, errlen, "%s: the parameters must end with MSG, ...", f->name);
        if (!tok_is(t, ","))
            return fail(err, errlen, "%s: expected ',', found '%.*s'", f->name, (int)t.n, t.s);
    }
}

int wpp_parse_func(const char *spec, struct wpp_func *f, char *err, size_t errlen)
{
    memset(f, 0, sizeof(*f));
    struct lexer lx = {spec, spec + strlen(spec)};
    if (copy_identifier(lex(&lx), f->name, "a trace function name", err, errlen) != 0)
        return -1;
    struct token t = lex(&lx);
    if (tok_is(t, "{")) {
        if (parse_fixed_params(&lx, f, err, errlen) != 0)
            return -1;
        t = lex(&lx);
    }
    if (!tok_is(t, "("))
        return fail(err, errlen, "%s: expected '(' after the function name", f->name);
    return parse_call_params(&lx, f, err, errlen);
}

int wpp_config_put_func(struct wpp_config *cfg, const struct wpp_func *f, char *err, size_t errlen)
{
    for (unsigned i = 0; i < cfg->func_count; i++) {
        if (strcmp(cfg->funcs[i].name, f->name) == 0) {
            cfg->funcs[i] = *f;
            return 0;
        }
    }
    if (cfg->func_count == WPP_MAX_FUNCS)
        return fail(err, errlen, "more than %d trace functions", WPP_MAX_FUNCS);
    cfg->funcs[cfg->func_count++] = *f;
    return 0;
}

/* ---- begin_wpp config blocks --------------------------------------------------------------- */

/* Strips leading blanks and comment markers (// or slash-star or star) from a config line. */
static const char *strip_comment_markers(const char *p)
{
    for (;;) {
        p = skip_hspace(p);
        if (p[0] == '/' && (p[1] == '/' || p[1] == '*'))
            p += 2;
        else if (p[0] == '*' && p[1] != '/')
            p++;
        else
            return p;
    }
}

static bool is_begin_line(const char *line)
{
    const char *b = strstr(line, "begin_wpp");
    return b != NULL && strstr(b, "config") != NULL;
}

static int parse_config_line(const char *line, struct wpp_config *cfg, char *err, size_t errlen)
{
    const char *p = strip_comment_markers(line);
    if (!match_word(&p, "FUNC"))
        return 0; /* USEPREFIX, CUSTOM_TYPE, ...: not needed by the shim */
    struct wpp_func f;
    if (wpp_parse_func(p, &f, err, errlen) != 0)
        return -1;
    return wpp_config_put_func(cfg, &f, err, errlen);
}

static int parse_config_blocks(const char *text, size_t len, struct wpp_config *cfg, char *err,
                               size_t errlen)
{
    const char *end = text + len;
    bool in_block = false;
    for (const char *line = text; line < end;) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (eol == NULL)
            eol = end;
        char buf[1024];
        size_t n = (size_t)(eol - line) < sizeof(buf) - 1 ? (size_t)(eol - line) : sizeof(buf) - 1;
        memcpy(buf, line, n);
        buf[n] = '\0';
        if (!in_block)
            in_block = is_begin_line(buf);
        else if (strstr(buf, "end_wpp") != NULL)
            in_block = false;
        else if (parse_config_line(buf, cfg, err, errlen) != 0)
            return -1;
        line = eol + 1;
    }
    return 0;
}

int wpp_parse_header(const char *text, size_t len, struct wpp_config *cfg, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof(*cfg));
    char *clean = translate(text, len);
    if (clean == NULL)
        return fail(err, errlen, "out of memory");
    const char *body_end = NULL;
    const char *body = find_control_guids(clean, &body_end);
    int rc = body == NULL ? fail(err, errlen, "no #define WPP_CONTROL_GUIDS")
                          : parse_controls(body, body_end, cfg, err, errlen);
    free(clean);
    if (rc != 0)
        return -1;
    return parse_config_blocks(text, len, cfg, err, errlen);
}
