/*
 * dma.h: the DMA service behind dev_dma_submit() (model.h).
 *
 * Runs device DMA operations through the owning session's bus table: a memcpy for regions mapped
 * from shared memory, DmaRead/DmaWrite requests for remote ones. Work is sliced so that no loop
 * iteration moves more than a bounded number of bytes: one device's 64 MiB copy never makes
 * other sessions wait for it.
 */
#ifndef DMAEMU_DMA_H
#define DMAEMU_DMA_H

#include <stdint.h>
#include <uv.h>

#include "frame.h"

struct session;

void dma_init(uv_loop_t *loop);
void dma_shutdown(void);

/* A reply or error to a DMA request the daemon sent to s. */
void dma_on_reply(struct session *s, const struct frame *f);
/* s unmapped [bus_addr, +length): every operation of s's device touching it master-aborts, so
 * no byte of a region mapped there later is ever written by an old transfer. */
void dma_region_unmapped(struct session *s, uint64_t bus_addr, uint64_t length);
/* s is closing: its outstanding DMA requests are forgotten (their ops were cancelled). */
void dma_session_closed(struct session *s);

#endif
