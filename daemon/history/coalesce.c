/*
 * coalesce.c: one row per request, transaction and transfer where the batch allows it.
 *
 * A request is recorded by three events (submitted, dispatched, completed), a transaction by
 * two plus a count per transfer, a transfer by two. Each later event used to be an UPDATE
 * that found its row again through an index (and, for transactions and transfers, through
 * the session and transaction number). Most of them arrive within the same 200 ms batch as
 * the event that starts the row: hrec_coalesce pairs them up, the start's INSERT writes the
 * whole row, and the end runs no SQL. An end whose start was committed in an earlier batch
 * is an UPDATE as before.
 *
 * Pairing follows the UPDATEs' own rule: an end belongs to the latest start with its key
 * (transaction objects are reused, so a key may start several rows in one batch).
 *
 * An interrupt assertion is four events (the line rising, the driver's ISR pass, its DPC, the
 * line falling), four rows until schema 3. The assertion's row now takes the first of each
 * that follows it from the same driver session within HISTORY_IRQ_FOLD_NS; anything else (a
 * second ISR pass, a storm) keeps a row of its own. Readers expand the rows into events, so
 * which row holds an event changes nothing they show.
 */
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "history_record.h"

enum coalesce_kind { CK_NONE, CK_REQUEST, CK_TXN, CK_XFER, CK_IRQ };

struct coalesce_key {
    enum coalesce_kind kind;
    uint64_t session, number, seq; /* request: number; transaction: session, number; transfer:
                                      also seq */
};

struct coalesce_slot {
    struct coalesce_key key;
    struct hrec *start; /* NULL: empty */
};

struct coalesce_map {
    struct coalesce_slot *slots;
    size_t mask;
};

static bool key_equal(const struct coalesce_key *a, const struct coalesce_key *b)
{
    return a->kind == b->kind && a->session == b->session && a->number == b->number &&
           a->seq == b->seq;
}

static struct coalesce_slot *map_slot(struct coalesce_map *m, const struct coalesce_key *k)
{
    uint64_t h = (k->kind * 0x9E3779B97F4A7C15ull) ^ (k->session * 0xBF58476D1CE4E5B9ull) ^
                 (k->number * 0x94D049BB133111EBull) ^ k->seq;
    h ^= h >> 31;
    for (size_t i = (size_t)h & m->mask;; i = (i + 1) & m->mask)
        if (m->slots[i].start == NULL || key_equal(&m->slots[i].key, k))
            return &m->slots[i];
}

static bool is_driver(const struct hrec *r, const char *kind)
{
    return r->kind == REC_DRIVER_EVENT && strcmp(r->s1, kind) == 0;
}

/* What r is: the start of a row (true) or something that ends or adds to one; key filled. */
static enum coalesce_kind classify(const struct hrec *r, struct coalesce_key *k, bool *start)
{
    memset(k, 0, sizeof(*k));
    if (r->kind == REC_REQUEST || (is_driver(r, "request") && strcmp(r->s2, "dispatched") == 0)) {
        k->kind = CK_REQUEST;
        k->number = r->u[0];
        *start = r->kind == REC_REQUEST && !r->u[1];
    } else if (is_driver(r, "transaction")) {
        k->kind = CK_TXN;
        k->session = r->session;
        k->number = r->u[1];
        *start = strcmp(r->s2, "initialized") == 0;
    } else if ((r->kind == REC_IRQ || is_driver(r, "isr") || is_driver(r, "dpc")) &&
               r->session != 0) {
        k->kind = CK_IRQ;
        k->session = r->session;
        *start = r->kind == REC_IRQ && r->u[1];
    } else if (is_driver(r, "transfer")) {
        k->kind = CK_XFER;
        k->session = r->session;
        k->number = r->u[1];
        k->seq = r->u[2];
        *start = strcmp(r->s2, "programmed") == 0;
    }
    return k->kind;
}

/* A transfer start adds to its transaction's count, if that row starts in this batch. */
static void count_transfer(struct coalesce_map *m, struct hrec *r)
{
    struct coalesce_key t = {CK_TXN, r->session, r->u[1], 0};
    struct coalesce_slot *s = map_slot(m, &t);
    if (s->start != NULL) {
        s->start->transfers++;
        r->counted = true;
    }
}

/* Which part of an assertion's row r can be, and whether it may join start's. */
static bool irq_part(const struct hrec *start, const struct hrec *r, int *part)
{
    if (r->time_ns < start->time_ns || r->time_ns - start->time_ns > HISTORY_IRQ_FOLD_NS)
        return false;
    *part = r->kind == REC_IRQ          ? HREC_IRQ_DEASSERT
            : strcmp(r->s1, "isr") == 0 ? HREC_IRQ_ISR
                                        : HREC_IRQ_DPC;
    return r->kind != REC_IRQ || r->u[0] == start->u[0]; /* the same line */
}

static void pair_irq(struct hrec *start, struct hrec *r)
{
    int part;
    if (!irq_part(start, r, &part) || start->irq[part] != NULL)
        return;
    start->irq[part] = r;
    r->absorbed = true;
}

static void pair(struct coalesce_map *m, struct hrec *r)
{
    struct coalesce_key k;
    bool start = false;
    if (classify(r, &k, &start) == CK_NONE)
        return;
    struct coalesce_slot *s = map_slot(m, &k);
    if (start) {
        s->key = k;
        s->start = r; /* the latest start with this key */
        if (k.kind == CK_XFER)
            count_transfer(m, r);
        return;
    }
    if (s->start == NULL)
        return; /* started in an earlier batch: an UPDATE */
    if (k.kind == CK_IRQ) {
        pair_irq(s->start, r);
        return;
    }
    bool dispatch = k.kind == CK_REQUEST && r->kind == REC_DRIVER_EVENT;
    if (dispatch ? s->start->dispatch != NULL : s->start->end != NULL)
        return;
    *(dispatch ? &s->start->dispatch : &s->start->end) = r;
    r->absorbed = true;
}

void hrec_coalesce(struct hrec *batch)
{
    size_t n = 0;
    for (struct hrec *r = batch; r != NULL; r = r->next, n++) {
        r->end = r->dispatch = NULL;
        memset(r->irq, 0, sizeof(r->irq));
        r->transfers = 0;
        r->absorbed = r->counted = false;
    }
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    struct coalesce_map m = {calloc(cap, sizeof(struct coalesce_slot)), cap - 1};
    if (m.slots == NULL)
        return; /* every event runs its own statement, as it always could */
    for (struct hrec *r = batch; r != NULL; r = r->next)
        pair(&m, r);
    free(m.slots);
}
