/*
 * wpp_tmh.h: the .tmh generator's model of a driver's WPP configuration.
 *
 * wpp_tmh_parse.c reads it from the trace header (WPP_CONTROL_GUIDS and the begin_wpp config
 * block) and from -func specs; wpp_tmh_emit.c writes the .tmh that replaces the one Windows'
 * tracewpp would generate. Fixed-size tables: real drivers have one or two control GUIDs.
 */
#ifndef DMAEMU_WPP_TMH_H
#define DMAEMU_WPP_TMH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define WPP_MAX_NAME     128
#define WPP_MAX_VALUE    256
#define WPP_MAX_BITS     32 /* per control GUID, as WPP allows */
#define WPP_MAX_CONTROLS 16
#define WPP_MAX_PARAMS   8
#define WPP_MAX_FUNCS    32

/* WPP_DEFINE_CONTROL_GUID(name, (guid), WPP_DEFINE_BIT(bit) ...) */
struct wpp_control {
    char name[WPP_MAX_NAME];
    char guid[40]; /* canonical lowercase xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx */
    unsigned bit_count;
    char bits[WPP_MAX_BITS][WPP_MAX_NAME];
};

/*
 * One parameter of a trace function before MSG: LEVEL, FLAGS (or FLAG), or a custom one (EXP,
 * HR, ...) that only the driver's WPP_<PARAMS>_ENABLED/_PRE/_POST macros look at. A fixed
 * parameter, FUNC Trace{FLAGS=X}(...), has its value here and is no macro argument.
 */
struct wpp_param {
    char name[WPP_MAX_NAME];
    char value[WPP_MAX_VALUE];
    bool fixed;
};

/* FUNC Name{FIXED=value,...}(P1, P2, MSG, ...): params holds the fixed ones first, as WPP does. */
struct wpp_func {
    char name[WPP_MAX_NAME];
    unsigned param_count;
    struct wpp_param params[WPP_MAX_PARAMS];
};

struct wpp_config {
    unsigned control_count;
    struct wpp_control controls[WPP_MAX_CONTROLS];
    unsigned func_count;
    struct wpp_func funcs[WPP_MAX_FUNCS];
};

/*
 * Parses a trace header (any line endings): the first object-like #define WPP_CONTROL_GUIDS,
 * after splicing backslash-newlines and removing comments as the C preprocessor does, and the
 * FUNC lines of every begin_wpp config ... end_wpp comment block. Returns 0, or -1 with a
 * message in err. A header without WPP_CONTROL_GUIDS is an error.
 */
int wpp_parse_header(const char *text, size_t len, struct wpp_config *cfg, char *err,
                     size_t errlen);

/* Parses "Name{K=V}(LEVEL, FLAGS, MSG, ...)" (the part after FUNC; a trailing ';' is fine). */
int wpp_parse_func(const char *spec, struct wpp_func *func, char *err, size_t errlen);

/* Adds or (same name) replaces a trace function. Returns -1 if the table is full. */
int wpp_config_put_func(struct wpp_config *cfg, const struct wpp_func *func, char *err,
                        size_t errlen);

/*
 * Writes the .tmh for source_name (a file name; only its last component is used) to out.
 * The output depends only on the arguments: no dates, no paths. Returns 0, or -1 on a write
 * error.
 */
int wpp_emit_tmh(FILE *out, const struct wpp_config *cfg, const char *source_name,
                 const char *header_name);

#endif
