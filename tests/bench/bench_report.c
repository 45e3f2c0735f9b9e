/* bench_report.c: rows, ratios, the table and the JSON (see bench_report.h). */
#include "bench_report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct bench_row *bench_add(struct bench_report *r, const char *section, const char *name,
                            double value, const char *unit)
{
    if (r->count == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 32;
        struct bench_row *rows = realloc(r->rows, cap * sizeof(*rows));
        if (rows == NULL)
            return NULL;
        r->rows = rows;
        r->cap = cap;
    }
    struct bench_row *row = &r->rows[r->count++];
    *row = (struct bench_row){.value = value, .unit = unit};
    snprintf(row->section, sizeof(row->section), "%s", section);
    snprintf(row->name, sizeof(row->name), "%s", name);
    return row;
}

const struct bench_row *bench_find(const struct bench_report *r, const char *name)
{
    for (size_t i = 0; i < r->count; i++)
        if (strcmp(r->rows[i].name, name) == 0)
            return &r->rows[i];
    return NULL;
}

void bench_compare(const struct bench_report *r, struct bench_row *row, const char *baseline,
                   double scale, const char *label, enum bench_goal goal, double target)
{
    const struct bench_row *b = bench_find(r, baseline);
    snprintf(row->baseline, sizeof(row->baseline), "%s", baseline);
    snprintf(row->ratio_label, sizeof(row->ratio_label), "%s", label);
    row->baseline_value = b != NULL ? scale * b->value : 0;
    row->ratio = bench_ratio(row->value, row->baseline_value);
    row->goal = goal;
    row->target = target;
}

void bench_compare_inverse(const struct bench_report *r, struct bench_row *row,
                           const char *baseline_us, const char *label, enum bench_goal goal,
                           double target)
{
    const struct bench_row *b = bench_find(r, baseline_us);
    double us = b != NULL ? b->value : 0;
    /* scale * us == 1e6 / us: the baseline's rate per second. */
    bench_compare(r, row, baseline_us, us > 0 ? 1e6 / (us * us) : 0, label, goal, target);
}

/* Values keep three significant digits or so: the table is read, not parsed. */
static void format_value(double v, const char *unit, char *buf, size_t cap)
{
    if (v >= 1e6)
        snprintf(buf, cap, "%.3g M%s", v / 1e6, unit);
    else if (v >= 100)
        snprintf(buf, cap, "%.0f %s", v, unit);
    else
        snprintf(buf, cap, "%.3g %s", v, unit);
}

void bench_format_row(const struct bench_row *row, char *buf, size_t cap)
{
    char value[32], goal[16];
    format_value(row->value, row->unit, value, sizeof(value));
    if (row->baseline[0] == '\0') {
        snprintf(buf, cap, "  %-40s %14s   (baseline)", row->name, value);
        return;
    }
    if (row->ratio <= 0) {
        snprintf(buf, cap, "  %-40s %14s   n/a: %s not measured", row->name, value, row->baseline);
        return;
    }
    bench_goal_text(row->goal, row->target, goal, sizeof(goal));
    const char *mark = row->goal == BENCH_GOAL_NONE                         ? ""
                       : bench_goal_met(row->goal, row->ratio, row->target) ? "  met"
                                                                            : "  MISSED";
    int n = snprintf(buf, cap, "  %-40s %14s %7.3gx %s", row->name, value, row->ratio,
                     row->ratio_label);
    if (row->goal != BENCH_GOAL_NONE && n > 0 && (size_t)n < cap)
        snprintf(buf + n, cap - (size_t)n, " (goal %s)%s", goal, mark);
}

void bench_print_table(const struct bench_report *r, FILE *out)
{
    const char *section = "";
    char line[256];
    for (size_t i = 0; i < r->count; i++) {
        if (strcmp(section, r->rows[i].section) != 0) {
            section = r->rows[i].section;
            fprintf(out, "%s:\n", section);
        }
        bench_format_row(&r->rows[i], line, sizeof(line));
        fprintf(out, "%s\n", line);
    }
}

static json_t *row_json(const struct bench_row *row)
{
    char goal[16];
    json_t *o = json_pack("{s:s, s:s, s:f, s:s}", "section", row->section, "name", row->name,
                          "value", row->value, "unit", row->unit);
    if (o == NULL || row->baseline[0] == '\0')
        return o;
    json_object_set_new(o, "baseline", json_string(row->baseline));
    json_object_set_new(o, "baseline_value", json_real(row->baseline_value));
    json_object_set_new(o, "ratio", row->ratio > 0 ? json_real(row->ratio) : json_null());
    if (row->goal != BENCH_GOAL_NONE) {
        bench_goal_text(row->goal, row->target, goal, sizeof(goal));
        json_object_set_new(o, "goal", json_string(goal));
        json_object_set_new(o, "goal_met",
                            json_boolean(bench_goal_met(row->goal, row->ratio, row->target)));
    }
    return o;
}

int bench_write_json(const struct bench_report *r, const char *path, const char *command)
{
    json_t *rows = json_array();
    for (size_t i = 0; i < r->count; i++)
        json_array_append_new(rows, row_json(&r->rows[i]));
    json_t *doc = json_pack("{s:s, s:b, s:o}", "command", command, "quick", r->quick, "rows", rows);
    int rc = doc != NULL ? json_dump_file(doc, path, JSON_INDENT(2)) : -1;
    if (rc < 0)
        fprintf(stderr, "dmaemu-bench: cannot write %s\n", path);
    json_decref(doc);
    return rc;
}

size_t bench_goals_missed(const struct bench_report *r, size_t *with_goal)
{
    size_t missed = 0;
    *with_goal = 0;
    for (size_t i = 0; i < r->count; i++) {
        const struct bench_row *row = &r->rows[i];
        if (row->goal == BENCH_GOAL_NONE)
            continue;
        (*with_goal)++;
        missed += !bench_goal_met(row->goal, row->ratio, row->target);
    }
    return missed;
}

void bench_report_free(struct bench_report *r)
{
    free(r->rows);
    *r = (struct bench_report){0};
}
