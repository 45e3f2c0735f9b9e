/*
 * fuzz_frame.c: libFuzzer target for the receive path: the input is a byte stream from a peer,
 * delivered to a frame_buf in reads whose sizes derive from the input, every complete frame
 * decoded as the daemon would, stopping at the first framing error.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct frame_limits fuzz_limits = {.max_body = 65536, .max_data = 1u << 20};

/* How many bytes the next read delivers: a function of the byte it starts at and of the read's
 * sequence number, so that the fuzzer steers the split of the stream along with its content. */
static size_t read_size(const uint8_t *data, size_t off, size_t n, size_t room, size_t left)
{
    unsigned sel = data[off] ^ (unsigned)(n * 37u);
    size_t k;
    switch (sel & 3u) {
    case 0: k = room; break;
    case 1: k = 1; break;
    case 2: k = 1 + (sel >> 2) % 32; break;
    default: k = 1 + ((size_t)sel * 257u) % 4096; break;
    }
    if (k > room)
        k = room;
    return k < left ? k : left;
}

/*
 * A decoded message re-encodes into a frame with the same header fields. (It need not decode
 * again: protobuf-c keeps an unknown field with a non-canonically encoded tag 0, "80 00", and
 * re-packs it as "00", which it then refuses.)
 */
static void check_reencode(const struct frame *f, const ProtobufCMessage *m)
{
    if (m->descriptor != msg_descriptor(f->h.type))
        abort();
    size_t len = 0;
    uint8_t *buf = msg_encode(f->h.type, f->h.flags, f->h.request_id, m, f->h.data_len, &len);
    if (buf == NULL)
        abort();
    struct frame g = {.body = buf + FRAME_HEADER_SIZE};
    const struct frame_limits any = {.max_body = UINT32_MAX, .max_data = UINT32_MAX};
    if (frame_header_decode(buf, len, &any, &g.h) != FRAME_COMPLETE || g.h.type != f->h.type ||
        g.h.flags != f->h.flags || g.h.request_id != f->h.request_id ||
        g.h.data_len != f->h.data_len || FRAME_HEADER_SIZE + (size_t)g.h.body_len != len ||
        len != FRAME_HEADER_SIZE + protobuf_c_message_get_packed_size(m))
        abort();
    msg_free(msg_decode(&g));
    free(buf);
}

/*
 * Decodes one frame's body from an exact-size copy: inside the frame_buf, a read past body_len
 * would land on the frame's data or the next frame, where AddressSanitizer cannot see it.
 */
static void decode_frame(const struct frame *f)
{
    uint8_t *copy = malloc(f->h.body_len ? f->h.body_len : 1);
    if (copy == NULL)
        abort();
    memcpy(copy, f->body, f->h.body_len);
    struct frame g = *f;
    g.body = copy;
    ProtobufCMessage *m = msg_decode(&g);
    if (m != NULL)
        check_reencode(&g, m);
    msg_free(m);
    free(copy);
}

/* Decodes every complete frame; returns the first negative status, or FRAME_INCOMPLETE. */
static int drain(struct frame_buf *b, volatile uint8_t *sink)
{
    struct frame f;
    int st;
    while ((st = frame_buf_next(b, &fuzz_limits, &f)) == FRAME_COMPLETE) {
        /* The frame lies within the received bytes, header first, and respects the limits. */
        const uint8_t *at = b->mem + b->start;
        if (f.h.body_len > fuzz_limits.max_body || f.h.data_len > fuzz_limits.max_data ||
            f.body != at + FRAME_HEADER_SIZE || f.data != f.body + f.h.body_len ||
            f.data + f.h.data_len > b->mem + b->end)
            abort();
        decode_frame(&f);
        /* Touch the whole data so that a pointer outside the buffer is caught. */
        for (uint32_t i = 0; i < f.h.data_len; i++)
            *sink ^= f.data[i];
        frame_buf_consume(b, &f);
    }
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct frame_buf b;
    volatile uint8_t sink = 0;
    size_t off = 0;
    frame_buf_init(&b);
    for (size_t n = 0; off < size; n++) {
        uint8_t *p;
        size_t room;
        if (frame_buf_space(&b, &fuzz_limits, &p, &room) < 0)
            break;
        if (room == 0)
            abort(); /* the daemon could never make progress */
        size_t k = read_size(data, off, n, room, size - off);
        memcpy(p, data + off, k);
        frame_buf_commit(&b, k);
        off += k;
        if (drain(&b, &sink) < 0)
            break;
    }
    frame_buf_free(&b);
    return 0;
}
