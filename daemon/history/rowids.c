/*
 * rowids.c: the row ids of sessions and transactions, as the history writer last saw them.
 *
 * Almost every row the writer inserts names its session, and every transfer its transaction;
 * looking them up in SQL cost an index search per row (two for a transfer). The writer
 * records the id of each session and transaction row it inserts here and asks here first.
 * A miss is no error: the caller asks SQLite and puts the answer here. The table is a cache:
 * it is emptied whenever rows may have gone (a rolled-back batch, retention), and when full.
 */
#include <stdlib.h>

#include "history_record.h"

#define HROWIDS_MAX (1u << 16) /* slots; emptied rather than grown past this */

struct hrowid_slot {
    uint64_t a, b; /* session number; transaction number + 1, or 0 for the session itself */
    int64_t id;    /* 0: empty */
};

static size_t slot_of(const struct hrowids *t, uint64_t a, uint64_t b)
{
    uint64_t h = a * 0x9E3779B97F4A7C15ull ^ b * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 29;
    size_t i = (size_t)h & (t->cap - 1);
    while (t->slots[i].id != 0 && (t->slots[i].a != a || t->slots[i].b != b))
        i = (i + 1) & (t->cap - 1);
    return i;
}

int64_t hrowids_get(const struct hrowids *t, uint64_t a, uint64_t b)
{
    return t->cap == 0 ? 0 : t->slots[slot_of(t, a, b)].id;
}

void hrowids_put(struct hrowids *t, uint64_t a, uint64_t b, int64_t id)
{
    if (t->cap == 0 || 4 * (t->count + 1) > 3 * t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 256;
        if (cap > HROWIDS_MAX) {
            hrowids_clear(t);
            cap = t->cap;
        }
        if (cap != t->cap) {
            struct hrowid_slot *old = t->slots;
            size_t old_cap = t->cap;
            struct hrowid_slot *slots = calloc(cap, sizeof(*slots));
            if (slots == NULL)
                return; /* lookups go to SQLite */
            t->slots = slots;
            t->cap = cap;
            t->count = 0;
            for (size_t i = 0; i < old_cap; i++)
                if (old[i].id != 0)
                    hrowids_put(t, old[i].a, old[i].b, old[i].id);
            free(old);
        }
    }
    struct hrowid_slot *s = &t->slots[slot_of(t, a, b)];
    if (s->id == 0)
        t->count++;
    *s = (struct hrowid_slot){a, b, id};
}

void hrowids_clear(struct hrowids *t)
{
    for (size_t i = 0; i < t->cap; i++)
        t->slots[i].id = 0;
    t->count = 0;
}

void hrowids_free(struct hrowids *t)
{
    free(t->slots);
    *t = (struct hrowids){0};
}
