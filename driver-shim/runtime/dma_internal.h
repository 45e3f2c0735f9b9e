/* dma_internal.h: DMA enablers, common buffers and transactions, shared by the DMA files. */
#ifndef DMAEMU_SHIM_DMA_INTERNAL_H
#define DMAEMU_SHIM_DMA_INTERNAL_H

#include "shim.h"

struct shim_transaction;

struct shim_dma_enabler {
    struct shim_object obj;
    struct shim_dma_enabler *next; /* the device's enablers */
    struct shim_device *device;
    WDF_DMA_ENABLER_CONFIG config;
    size_t max_sg;
    bool packet, is64, duplex;
    bool moves_data; /* transactions were created on it (not only common buffers) */
    struct shim_transaction *packet_active; /* packet profiles: one transaction in flight */
};

struct shim_common_buffer {
    struct shim_object obj;
    struct shim_common_buffer *next; /* all common buffers, for the DMA verifier */
    struct shim_dma_buffer *buf;
    size_t offset; /* of the aligned start */
    size_t length;
};

#endif
