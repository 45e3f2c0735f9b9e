/* frame.c: header codec and stream reassembly. */
#include "frame.h"

#include <stdlib.h>
#include <string.h>

#include "message.h"

/* Small frames are the common case; receive them in batches of this many bytes. */
#define FRAME_BUF_MIN 65536u

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get16(p) | ((uint32_t)get16(p + 2) << 16);
}

void frame_header_encode(const struct frame_header *h, uint8_t out[FRAME_HEADER_SIZE])
{
    put16(out, FRAME_MAGIC);
    put16(out + 2, h->type);
    put16(out + 4, h->flags);
    put16(out + 6, 0);
    put32(out + 8, h->request_id);
    put32(out + 12, h->body_len);
    put32(out + 16, h->data_len);
}

int frame_header_decode(const uint8_t *buf, size_t len, const struct frame_limits *lim,
                        struct frame_header *h)
{
    if (len < FRAME_HEADER_SIZE)
        return FRAME_INCOMPLETE;
    if (get16(buf) != FRAME_MAGIC)
        return FRAME_E_MAGIC;
    h->type = get16(buf + 2);
    h->flags = get16(buf + 4);
    h->request_id = get32(buf + 8);
    h->body_len = get32(buf + 12);
    h->data_len = get32(buf + 16);
    if (msg_descriptor(h->type) == NULL)
        return FRAME_E_TYPE;
    if ((h->flags & ~FRAME_KNOWN_FLAGS) != 0 || get16(buf + 6) != 0)
        return FRAME_E_FLAGS;
    if (h->body_len > lim->max_body)
        return FRAME_E_BODY_SIZE;
    if (h->data_len > lim->max_data)
        return FRAME_E_DATA_SIZE;
    return FRAME_COMPLETE;
}

const char *frame_status_str(int status)
{
    switch (status) {
    case FRAME_COMPLETE: return "complete";
    case FRAME_INCOMPLETE: return "incomplete";
    case FRAME_E_MAGIC: return "bad magic (not a dmaemu peer?)";
    case FRAME_E_TYPE: return "unknown message type";
    case FRAME_E_FLAGS: return "unknown header flags";
    case FRAME_E_BODY_SIZE: return "body larger than the negotiated limit";
    case FRAME_E_DATA_SIZE: return "data larger than the negotiated limit";
    }
    return "unknown frame status";
}

void frame_buf_init(struct frame_buf *b)
{
    memset(b, 0, sizeof(*b));
}

void frame_buf_free(struct frame_buf *b)
{
    free(b->mem);
    frame_buf_init(b);
}

static int frame_buf_reserve(struct frame_buf *b, size_t need)
{
    if (b->start > 0 && b->cap - b->end < need) {
        memmove(b->mem, b->mem + b->start, b->end - b->start);
        b->end -= b->start;
        b->start = 0;
    }
    if (b->cap - b->end >= need)
        return 0;
    /* Exactly what the frame under way needs (page-rounded), not a doubling: with 16 MiB
     * frames allowed, doubling would let every session hold 32 MiB. */
    size_t cap = (b->end + need + 4095) & ~(size_t)4095;
    if (cap < FRAME_BUF_MIN)
        cap = FRAME_BUF_MIN;
    uint8_t *mem = realloc(b->mem, cap);
    if (mem == NULL)
        return -1;
    b->mem = mem;
    b->cap = cap;
    return 0;
}

int frame_buf_space(struct frame_buf *b, const struct frame_limits *lim, uint8_t **p, size_t *room)
{
    size_t have = b->end - b->start;
    size_t want = FRAME_BUF_MIN / 2;
    struct frame_header h;

    /* With a valid header in hand, make room for exactly the rest of that frame at least. */
    if (have > 0 && frame_header_decode(b->mem + b->start, have, lim, &h) == FRAME_COMPLETE &&
        frame_size(&h) > have && frame_size(&h) - have > want)
        want = frame_size(&h) - have;
    if (frame_buf_reserve(b, want) < 0)
        return -1;
    *p = b->mem + b->end;
    *room = b->cap - b->end;
    return 0;
}

void frame_buf_commit(struct frame_buf *b, size_t n)
{
    b->end += n;
}

int frame_buf_next(struct frame_buf *b, const struct frame_limits *lim, struct frame *f)
{
    size_t have = b->end - b->start;
    if (have < FRAME_HEADER_SIZE)
        return FRAME_INCOMPLETE; /* also keeps arithmetic off the empty buffer's NULL */
    int st = frame_header_decode(b->mem + b->start, have, lim, &f->h);
    if (st != FRAME_COMPLETE)
        return st;
    if (have < frame_size(&f->h))
        return FRAME_INCOMPLETE;
    f->body = b->mem + b->start + FRAME_HEADER_SIZE;
    f->data = b->mem + b->start + FRAME_HEADER_SIZE + f->h.body_len;
    return FRAME_COMPLETE;
}

void frame_buf_consume(struct frame_buf *b, const struct frame *f)
{
    b->start += frame_size(&f->h);
    if (b->start == b->end)
        b->start = b->end = 0;
}
