/*
 * passive.c: the passive-level thread's work queue. Everything that runs driver code at
 * PASSIVE_LEVEL (PnP/power callbacks, queue dispatch) is a work item here, so driver callbacks
 * never run on libdmaemu's event thread and never concurrently with each other at passive level.
 */
#include <stdlib.h>

#include "shim.h"

struct passive_item {
    struct passive_item *next;
    void (*fn)(void *);
    void *arg;
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct passive_item *head, *tail;
    bool stop;
} passive = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

void shim_post_passive(void (*fn)(void *), void *arg)
{
    struct passive_item *it = malloc(sizeof(*it));
    if (it == NULL) {
        shim_log("out of memory queueing passive work; stopping");
        abort();
    }
    it->next = NULL;
    it->fn = fn;
    it->arg = arg;
    pthread_mutex_lock(&passive.lock);
    if (passive.tail)
        passive.tail->next = it;
    else
        passive.head = it;
    passive.tail = it;
    pthread_cond_signal(&passive.cond);
    pthread_mutex_unlock(&passive.lock);
}

void shim_stop_passive(void)
{
    pthread_mutex_lock(&passive.lock);
    passive.stop = true;
    pthread_cond_signal(&passive.cond);
    pthread_mutex_unlock(&passive.lock);
}

/* Runs queued items until stopped; items queued before the stop still run. */
void shim_run_passive(void)
{
    shim_flush(); /* what the power-up callbacks wrote */
    pthread_mutex_lock(&passive.lock);
    for (;;) {
        while (passive.head == NULL && !passive.stop)
            pthread_cond_wait(&passive.cond, &passive.lock);
        struct passive_item *it = passive.head;
        if (it == NULL)
            break;
        passive.head = it->next;
        if (passive.head == NULL)
            passive.tail = NULL;
        pthread_mutex_unlock(&passive.lock);
        shim_irql = PASSIVE_LEVEL;
        it->fn(it->arg);
        shim_flush();
        free(it);
        pthread_mutex_lock(&passive.lock);
    }
    passive.stop = false;
    pthread_mutex_unlock(&passive.lock);
}
