/*
 * history_record.h: events as the history writer queues them (self-contained copies of
 * recorder events), and the writer's prepared statements.
 */
#ifndef DMAEMU_HISTORY_RECORD_H
#define DMAEMU_HISTORY_RECORD_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "recorder.h"

/* The events an interrupt assertion's row can hold besides its own. */
enum { HREC_IRQ_ISR, HREC_IRQ_DPC, HREC_IRQ_DEASSERT, HREC_IRQ_PARTS };

struct hrec {
    struct hrec *next;
    enum rec_kind kind;
    uint64_t time_ns;
    char device[64];
    uint64_t session;
    char s1[96], s2[96], s3[160]; /* role/name/peer, reasons, purposes, phases */
    uint64_t u[8];
    int64_t i[2];
    char *text;   /* trace line or finding (malloc'd) */
    uint64_t *sg; /* a transfer's SG list, addr/len pairs (malloc'd) */
    unsigned sg_count;
    /* What hrec_coalesce found in this event's batch (see coalesce.c). */
    const struct hrec *end;      /* a start: the event that ends it, later in the batch */
    const struct hrec *dispatch; /* a request's submission: its dispatch to the driver */
    const struct hrec *irq[HREC_IRQ_PARTS]; /* an assertion: what followed it (HREC_IRQ_*) */
    unsigned transfers; /* a transaction's start: transfers started in the batch */
    bool absorbed;      /* an end or dispatch its start's row already holds */
    bool counted;       /* a transfer start its transaction's row already counts */
};

struct hrec *hrec_copy(const struct rec_event *e);
/*
 * Within one batch, folds the ends of requests, transactions and transfers (and a request's
 * dispatch) into the events that start them, so each becomes one INSERT instead of an INSERT
 * and later UPDATEs. Runs again from scratch on every batch handed to the writer.
 */
void hrec_coalesce(struct hrec *batch);
void hrec_free(struct hrec *r);
void hrec_free_list(struct hrec *r);

/* rowids.c: session and transaction row ids by (session number, transaction number + 1 or
 * 0 for the session); 0 when not known. */
struct hrowid_slot;
struct hrowids {
    struct hrowid_slot *slots;
    size_t cap, count;
};
int64_t hrowids_get(const struct hrowids *t, uint64_t a, uint64_t b);
void hrowids_put(struct hrowids *t, uint64_t a, uint64_t b, int64_t id);
void hrowids_clear(struct hrowids *t);
void hrowids_free(struct hrowids *t);

#define HWRITER_STMTS 24

struct hactive; /* transfers in progress, per device, for linking DMA operations */

struct hwriter {
    sqlite3 *db;
    int64_t run_id;
    sqlite3_stmt *stmt[HWRITER_STMTS];
    struct hactive *active;
    struct hrowids rowids;
};

int hwriter_init(struct hwriter *w, sqlite3 *db, char *err, size_t errlen);
/* Inserts one event (inside the caller's transaction); an SQLite result code. */
int hwriter_insert(struct hwriter *w, const struct hrec *r);
/* After a rollback: in-memory links to rows that were never committed are dropped. */
void hwriter_forget_uncommitted(struct hwriter *w);
void hwriter_retention(struct hwriter *w, uint64_t max_age_s, uint64_t max_bytes);
void hwriter_finish_run(struct hwriter *w);
void hwriter_close(struct hwriter *w);

#endif
