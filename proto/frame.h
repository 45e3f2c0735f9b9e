/*
 * frame.h: the dmaemu stream framing, shared by the daemon, libdmaemu and the shim.
 *
 * A frame is a fixed 20-byte little-endian header, a protobuf body and raw data:
 *
 *   0  u16 magic 0x4D44 ("DM")   2  u16 type (MsgType)   4  u16 flags   6  u16 reserved (0)
 *   8  u32 request id           12  u32 body length     16  u32 data length
 *
 * Lengths are checked against the receiver's limits before anything is allocated, so a peer can
 * never make the other side reserve more than it agreed to.
 */
#ifndef DMAEMU_FRAME_H
#define DMAEMU_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define DMAEMU_PROTOCOL_VERSION 1
#define FRAME_MAGIC             0x4D44u
#define FRAME_HEADER_SIZE       20u

enum frame_flag {
    FRAME_REPLY = 1u << 0,  /* answers the request with the same id */
    FRAME_POSTED = 1u << 1, /* an Error about a posted message (id 0) */
};
#define FRAME_KNOWN_FLAGS (FRAME_REPLY | FRAME_POSTED)

struct frame_header {
    uint16_t type;
    uint16_t flags;
    uint32_t request_id;
    uint32_t body_len;
    uint32_t data_len;
};

struct frame_limits {
    uint32_t max_body;
    uint32_t max_data;
};

/* A complete frame inside a frame_buf; the pointers stay valid until frame_buf_consume(). */
struct frame {
    struct frame_header h;
    const uint8_t *body;
    uint8_t *data;
};

enum frame_status {
    FRAME_COMPLETE = 1,
    FRAME_INCOMPLETE = 0,
    FRAME_E_MAGIC = -1,
    FRAME_E_TYPE = -2,
    FRAME_E_FLAGS = -3,
    FRAME_E_BODY_SIZE = -4,
    FRAME_E_DATA_SIZE = -5,
};

void frame_header_encode(const struct frame_header *h, uint8_t out[FRAME_HEADER_SIZE]);

/* Decodes and validates a header: FRAME_COMPLETE, FRAME_INCOMPLETE if len is short, or an error. */
int frame_header_decode(const uint8_t *buf, size_t len, const struct frame_limits *lim,
                        struct frame_header *h);

const char *frame_status_str(int status);

/*
 * A receive buffer that reassembles frames from a byte stream. Frames are parsed in place; the
 * buffer grows only to hold the frame currently arriving, which the header check has bounded.
 */
struct frame_buf {
    uint8_t *mem;
    size_t start; /* first unconsumed byte */
    size_t end;   /* one past the last received byte */
    size_t cap;
};

void frame_buf_init(struct frame_buf *b);
void frame_buf_free(struct frame_buf *b);

/* Where to receive the next bytes: at least min_room bytes, grown for the frame under way. */
int frame_buf_space(struct frame_buf *b, const struct frame_limits *lim, uint8_t **p, size_t *room);
void frame_buf_commit(struct frame_buf *b, size_t n);

/* FRAME_COMPLETE with *f filled, FRAME_INCOMPLETE, or a negative frame_status. */
int frame_buf_next(struct frame_buf *b, const struct frame_limits *lim, struct frame *f);
void frame_buf_consume(struct frame_buf *b, const struct frame *f);

static inline size_t frame_size(const struct frame_header *h)
{
    return FRAME_HEADER_SIZE + (size_t)h->body_len + (size_t)h->data_len;
}

#endif
