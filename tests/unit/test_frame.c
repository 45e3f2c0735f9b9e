/* test_frame.c: the frame header codec and the frame_buf stream reassembly (proto/frame.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frame.h"
#include "message.h"

/* frame.c receives small frames in batches of this many bytes (its FRAME_BUF_MIN). */
#define BUF_MIN 65536u
/* One past the highest MsgType in message.c's table. */
#define TYPE_COUNT MSG_TYPE_COUNT

static const struct frame_limits lim = {.max_body = 4096, .max_data = 1u << 20};

static void header_bytes(uint16_t type, uint16_t flags, uint32_t id, uint32_t body, uint32_t data,
                         uint8_t out[FRAME_HEADER_SIZE])
{
    struct frame_header h = {
        .type = type, .flags = flags, .request_id = id, .body_len = body, .data_len = data};
    frame_header_encode(&h, out);
}

static void set16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static int decode(const uint8_t *buf, const struct frame_limits *l)
{
    struct frame_header h;
    return frame_header_decode(buf, FRAME_HEADER_SIZE, l, &h);
}

/* A whole frame: header, then body and data bytes whose values depend on offset and id. */
static uint8_t *build_frame(uint16_t type, uint32_t id, uint32_t body_len, uint32_t data_len,
                            size_t *len)
{
    *len = FRAME_HEADER_SIZE + (size_t)body_len + data_len;
    uint8_t *f = malloc(*len);
    assert_non_null(f);
    header_bytes(type, 0, id, body_len, data_len, f);
    for (size_t i = FRAME_HEADER_SIZE; i < *len; i++)
        f[i] = (uint8_t)(i * 31u + id);
    return f;
}

static void check_frame(const struct frame *f, uint16_t type, uint32_t id, uint32_t body_len,
                        uint32_t data_len)
{
    assert_int_equal(f->h.type, type);
    assert_int_equal(f->h.flags, 0);
    assert_int_equal(f->h.request_id, id);
    assert_int_equal(f->h.body_len, body_len);
    assert_int_equal(f->h.data_len, data_len);
    for (size_t i = 0; i < body_len; i++)
        assert_int_equal(f->body[i], (uint8_t)((FRAME_HEADER_SIZE + i) * 31u + id));
    for (size_t i = 0; i < data_len; i++)
        assert_int_equal(f->data[i], (uint8_t)((FRAME_HEADER_SIZE + body_len + i) * 31u + id));
}

/* Receives n bytes the way the daemon does: space, copy at most room, commit. */
static void feed(struct frame_buf *b, const struct frame_limits *l, const uint8_t *p, size_t n)
{
    while (n > 0) {
        uint8_t *dst;
        size_t room;
        assert_int_equal(frame_buf_space(b, l, &dst, &room), 0);
        assert_true(room > 0);
        size_t k = n < room ? n : room;
        memcpy(dst, p, k);
        frame_buf_commit(b, k);
        p += k;
        n -= k;
    }
}

/* Receives the parts as one contiguous read (one frame_buf_space call when they fit). */
static void feed_concat(struct frame_buf *b, const struct frame_limits *l, size_t n,
                        const uint8_t *const *parts, const size_t *lens)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += lens[i];
    uint8_t *all = malloc(total), *p = all;
    assert_non_null(all);
    for (size_t i = 0; i < n; i++) {
        memcpy(p, parts[i], lens[i]);
        p += lens[i];
    }
    feed(b, l, all, total);
    free(all);
}

/* ---- header codec ---- */

static void test_header_encode_layout(void **state)
{
    uint8_t buf[FRAME_HEADER_SIZE];
    header_bytes(0x0102, 0x0304, 0x05060708, 0x090a0b0c, 0x0d0e0f10, buf);
    const uint8_t want[FRAME_HEADER_SIZE] = {'D',  'M',  0x02, 0x01, 0x04, 0x03, 0x00,
                                             0x00, 0x08, 0x07, 0x06, 0x05, 0x0c, 0x0b,
                                             0x0a, 0x09, 0x10, 0x0f, 0x0e, 0x0d};
    assert_memory_equal(buf, want, FRAME_HEADER_SIZE);
}

static void round_trip(uint16_t type, uint16_t flags, uint32_t id, uint32_t body, uint32_t data,
                       const struct frame_limits *l)
{
    uint8_t buf[FRAME_HEADER_SIZE];
    struct frame_header h;
    memset(&h, 0xAA, sizeof(h));
    header_bytes(type, flags, id, body, data, buf);
    assert_int_equal(frame_header_decode(buf, sizeof(buf), l, &h), FRAME_COMPLETE);
    assert_int_equal(h.type, type);
    assert_int_equal(h.flags, flags);
    assert_int_equal(h.request_id, id);
    assert_int_equal(h.body_len, body);
    assert_int_equal(h.data_len, data);
}

static void test_header_round_trip(void **state)
{
    round_trip(DMAEMU__MSG_TYPE__MSG_HELLO, 0, 1, 0, 0, &lim);
    round_trip(DMAEMU__MSG_TYPE__MSG_ERROR, FRAME_POSTED, 0, 17, 0, &lim);
    round_trip(DMAEMU__MSG_TYPE__MSG_DMA_WRITE, FRAME_REPLY, 0xFFFFFFFFu, 4096, 1u << 20, &lim);
    round_trip(DMAEMU__MSG_TYPE__MSG_REGS_REPLY, FRAME_REPLY | FRAME_POSTED, 0x80000001u, 1, 1,
               &lim);
}

static void test_header_max_u32_lengths_within_max_limits(void **state)
{
    const struct frame_limits big = {.max_body = UINT32_MAX, .max_data = UINT32_MAX};
    round_trip(DMAEMU__MSG_TYPE__MSG_DMA_WRITE, 0, 9, UINT32_MAX, UINT32_MAX, &big);
    struct frame_header h = {.body_len = UINT32_MAX, .data_len = UINT32_MAX};
    assert_true(frame_size(&h) == FRAME_HEADER_SIZE + 2 * (uint64_t)UINT32_MAX);
}

static void test_header_lengths_at_limit_accepted(void **state)
{
    uint8_t buf[FRAME_HEADER_SIZE];
    header_bytes(DMAEMU__MSG_TYPE__MSG_DMA_WRITE, 0, 1, lim.max_body, lim.max_data, buf);
    assert_int_equal(decode(buf, &lim), FRAME_COMPLETE);
}

static void test_header_body_over_limit(void **state)
{
    uint8_t buf[FRAME_HEADER_SIZE];
    header_bytes(DMAEMU__MSG_TYPE__MSG_DMA_WRITE, 0, 1, lim.max_body + 1, 0, buf);
    assert_int_equal(decode(buf, &lim), FRAME_E_BODY_SIZE);
    header_bytes(DMAEMU__MSG_TYPE__MSG_DMA_WRITE, 0, 1, UINT32_MAX, 0, buf);
    assert_int_equal(decode(buf, &lim), FRAME_E_BODY_SIZE);
}

static void test_header_data_over_limit(void **state)
{
    uint8_t buf[FRAME_HEADER_SIZE];
    header_bytes(DMAEMU__MSG_TYPE__MSG_DMA_WRITE, 0, 1, 0, lim.max_data + 1, buf);
    assert_int_equal(decode(buf, &lim), FRAME_E_DATA_SIZE);
    header_bytes(DMAEMU__MSG_TYPE__MSG_DMA_WRITE, 0, 1, 0, UINT32_MAX, buf);
    assert_int_equal(decode(buf, &lim), FRAME_E_DATA_SIZE);
}

static void test_header_zero_limits_refuse_any_length(void **state)
{
    const struct frame_limits zero = {0, 0};
    uint8_t buf[FRAME_HEADER_SIZE];
    header_bytes(DMAEMU__MSG_TYPE__MSG_OK, 0, 1, 0, 0, buf);
    assert_int_equal(decode(buf, &zero), FRAME_COMPLETE);
    header_bytes(DMAEMU__MSG_TYPE__MSG_OK, 0, 1, 1, 0, buf);
    assert_int_equal(decode(buf, &zero), FRAME_E_BODY_SIZE);
    header_bytes(DMAEMU__MSG_TYPE__MSG_OK, 0, 1, 0, 1, buf);
    assert_int_equal(decode(buf, &zero), FRAME_E_DATA_SIZE);
}

static void test_header_bad_magic(void **state)
{
    static const uint16_t bad[] = {0x0000, 0x444D /* "MD" */, 0x4D45, 0xC44D, 0xFFFF};
    uint8_t buf[FRAME_HEADER_SIZE];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        header_bytes(DMAEMU__MSG_TYPE__MSG_HELLO, 0, 1, 0, 0, buf);
        set16(buf, bad[i]);
        assert_int_equal(decode(buf, &lim), FRAME_E_MAGIC);
    }
}

static void test_header_every_table_type_accepted(void **state)
{
    uint8_t buf[FRAME_HEADER_SIZE];
    for (uint16_t t = 1; t < TYPE_COUNT; t++) {
        header_bytes(t, 0, 1, 0, 0, buf);
        assert_int_equal(decode(buf, &lim), FRAME_COMPLETE);
    }
}

static void test_header_unknown_type(void **state)
{
    static const uint16_t bad[] = {DMAEMU__MSG_TYPE__MSG_INVALID, TYPE_COUNT, TYPE_COUNT + 1, 0x100,
                                   0xFFFF};
    uint8_t buf[FRAME_HEADER_SIZE];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        header_bytes(bad[i], 0, 1, 0, 0, buf);
        assert_int_equal(decode(buf, &lim), FRAME_E_TYPE);
    }
}

static void test_header_unknown_flag_bits(void **state)
{
    uint8_t buf[FRAME_HEADER_SIZE];
    for (unsigned bit = 0; bit < 16; bit++) {
        uint16_t flag = (uint16_t)(1u << bit);
        header_bytes(DMAEMU__MSG_TYPE__MSG_PING, flag, 1, 0, 0, buf);
        int want = (flag & FRAME_KNOWN_FLAGS) ? FRAME_COMPLETE : FRAME_E_FLAGS;
        assert_int_equal(decode(buf, &lim), want);
    }
    header_bytes(DMAEMU__MSG_TYPE__MSG_PING, FRAME_KNOWN_FLAGS | 0x8000u, 1, 0, 0, buf);
    assert_int_equal(decode(buf, &lim), FRAME_E_FLAGS);
}

static void test_header_nonzero_reserved(void **state)
{
    uint8_t buf[FRAME_HEADER_SIZE];
    for (unsigned bit = 0; bit < 16; bit++) {
        header_bytes(DMAEMU__MSG_TYPE__MSG_PING, 0, 1, 0, 0, buf);
        set16(buf + 6, (uint16_t)(1u << bit));
        assert_int_equal(decode(buf, &lim), FRAME_E_FLAGS);
    }
}

static void test_header_truncated_is_incomplete(void **state)
{
    uint8_t full[FRAME_HEADER_SIZE];
    header_bytes(DMAEMU__MSG_TYPE__MSG_HELLO, 0, 1, 10, 10, full);
    for (size_t len = 0; len < FRAME_HEADER_SIZE; len++) {
        /* An exact-size copy so that a read past len is caught by sanitizers. */
        uint8_t *part = malloc(len ? len : 1);
        assert_non_null(part);
        memcpy(part, full, len);
        struct frame_header h;
        assert_int_equal(frame_header_decode(part, len, &lim, &h), FRAME_INCOMPLETE);
        free(part);
    }
}

static void test_status_str_distinct(void **state)
{
    static const int st[] = {FRAME_COMPLETE, FRAME_INCOMPLETE,  FRAME_E_MAGIC,    FRAME_E_TYPE,
                             FRAME_E_FLAGS,  FRAME_E_BODY_SIZE, FRAME_E_DATA_SIZE};
    const size_t n = sizeof(st) / sizeof(st[0]);
    const char *unknown = frame_status_str(-100);
    assert_non_null(unknown);
    for (size_t i = 0; i < n; i++) {
        const char *s = frame_status_str(st[i]);
        assert_non_null(s);
        assert_string_not_equal(s, unknown);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(s, frame_status_str(st[j]));
    }
}

/* ---- frame_buf ---- */

static void test_buf_empty_is_incomplete(void **state)
{
    struct frame_buf b;
    struct frame f;
    frame_buf_init(&b);
    assert_int_equal(frame_buf_next(&b, &lim, &f), FRAME_INCOMPLETE);
    frame_buf_free(&b);
}

static void test_buf_space_on_empty_buffer(void **state)
{
    struct frame_buf b;
    uint8_t *p = NULL;
    size_t room = 0;
    frame_buf_init(&b);
    assert_int_equal(frame_buf_space(&b, &lim, &p, &room), 0);
    assert_non_null(p);
    assert_true(room >= FRAME_HEADER_SIZE);
    assert_true(room <= BUF_MIN);
    frame_buf_free(&b);
}

static void test_buf_free_resets(void **state)
{
    struct frame_buf b;
    size_t len;
    uint8_t *fr = build_frame(DMAEMU__MSG_TYPE__MSG_PING, 1, 3, 0, &len);
    frame_buf_init(&b);
    feed(&b, &lim, fr, len);
    frame_buf_free(&b);
    assert_null(b.mem);
    assert_int_equal(b.start, 0);
    assert_int_equal(b.end, 0);
    assert_int_equal(b.cap, 0);
    free(fr);
}

static void test_buf_one_byte_at_a_time(void **state)
{
    static const struct {
        uint16_t type;
        uint32_t body, data;
    } spec[] = {{DMAEMU__MSG_TYPE__MSG_OK, 0, 0},
                {DMAEMU__MSG_TYPE__MSG_HELLO, 37, 0},
                {DMAEMU__MSG_TYPE__MSG_DMA_WRITE, 9, 300},
                {DMAEMU__MSG_TYPE__MSG_DMA_READ_REPLY, 0, 5}};
    struct frame_buf b;
    struct frame f;
    frame_buf_init(&b);
    for (uint32_t k = 0; k < sizeof(spec) / sizeof(spec[0]); k++) {
        size_t len;
        uint8_t *fr = build_frame(spec[k].type, k + 1, spec[k].body, spec[k].data, &len);
        for (size_t i = 0; i < len; i++) {
            assert_int_equal(frame_buf_next(&b, &lim, &f), FRAME_INCOMPLETE);
            feed(&b, &lim, fr + i, 1);
        }
        assert_int_equal(frame_buf_next(&b, &lim, &f), FRAME_COMPLETE);
        check_frame(&f, spec[k].type, k + 1, spec[k].body, spec[k].data);
        frame_buf_consume(&b, &f);
        free(fr);
    }
    assert_int_equal(frame_buf_next(&b, &lim, &f), FRAME_INCOMPLETE);
    frame_buf_free(&b);
}

static void test_buf_many_frames_in_one_chunk(void **state)
{
    enum { N = 200 };
    uint8_t *all = NULL;
    size_t total = 0;
    for (uint32_t k = 0; k < N; k++) {
        size_t len;
        uint8_t *fr = build_frame(DMAEMU__MSG_TYPE__MSG_MMIO_WRITE, k, k % 23, k % 7, &len);
        all = realloc(all, total + len);
        assert_non_null(all);
        memcpy(all + total, fr, len);
        total += len;
        free(fr);
    }
    assert_true(total < BUF_MIN / 2); /* one read delivers everything */
    struct frame_buf b;
    struct frame f;
    frame_buf_init(&b);
    feed(&b, &lim, all, total);
    for (uint32_t k = 0; k < N; k++) {
        assert_int_equal(frame_buf_next(&b, &lim, &f), FRAME_COMPLETE);
        check_frame(&f, DMAEMU__MSG_TYPE__MSG_MMIO_WRITE, k, k % 23, k % 7);
        frame_buf_consume(&b, &f);
    }
    assert_int_equal(frame_buf_next(&b, &lim, &f), FRAME_INCOMPLETE);
    assert_int_equal(b.end - b.start, 0);
    frame_buf_free(&b);
    free(all);
}

static void test_buf_chunk_ends_mid_header(void **state)
{
    size_t la, lb;
    uint8_t *a = build_frame(DMAEMU__MSG_TYPE__MSG_PING, 1, 4, 0, &la);
    uint8_t *bb = build_frame(DMAEMU__MSG_TYPE__MSG_PONG, 2, 4, 2, &lb);
    struct frame_buf b;
    struct frame f;
    frame_buf_init(&b);
    feed(&b, &lim, a, la);
    feed(&b, &lim, bb, 7);
    assert_int_equal(frame_buf_next(&b, &lim, &f), FRAME_COMPLETE);
    check_frame(&f, DMAEMU__MSG_TYPE__MSG_PING, 1, 4, 0);
    frame_buf_consume(&b, &f);
    assert_int_equal(frame_buf_next(&b, &lim, &f), FRAME_INCOMPLETE);
    feed(&b, &lim, bb + 7, lb - 7);
    assert_int_equal(frame_buf_next(&b, &lim, &f), FRAME_COMPLETE);
    check_frame(&f, DMAEMU__MSG_TYPE__MSG_PONG, 2, 4, 2);
    frame_buf_consume(&b, &f);
    frame_buf_free(&b);
    free(a);
    free(bb);
}

/* Feeds fr in pieces of varying size (each at most what space offers); the frame must stay
 * incomplete until its last byte. */
static void feed_in_pieces(struct frame_buf *b, const struct frame_limits *l, const uint8_t *fr,
                           size_t len)
{
    static const size_t pieces[] = {1, 19, 1000, 70001, 4093, 65536, 333333, 1 << 20};
    struct frame f;
    size_t off = 0;
    for (unsigned i = 0; off < len; i++) {
        assert_int_equal(frame_buf_next(b, l, &f), FRAME_INCOMPLETE);
        uint8_t *dst;
        size_t room;
        assert_int_equal(frame_buf_space(b, l, &dst, &room), 0);
        size_t k = pieces[i % (sizeof(pieces) / sizeof(pieces[0]))];
        k = k < room ? k : room;
        k = k < len - off ? k : len - off;
        memcpy(dst, fr + off, k);
        frame_buf_commit(b, k);
        off += k;
    }
}

static void test_buf_large_frame_in_pieces(void **state)
{
    const struct frame_limits big = {.max_body = 65536, .max_data = 8u << 20};
    const uint32_t data_len = 5u << 20;
    size_t len;
    uint8_t *fr = build_frame(DMAEMU__MSG_TYPE__MSG_DMA_WRITE, 77, 123, data_len, &len);
    struct frame_buf b;
    struct frame f;
    frame_buf_init(&b);
    feed_in_pieces(&b, &big, fr, len);
    assert_int_equal(frame_buf_next(&b, &big, &f), FRAME_COMPLETE);
    assert_int_equal(f.h.data_len, data_len);
    assert_memory_equal(f.body, fr + FRAME_HEADER_SIZE, 123);
    assert_memory_equal(f.data, fr + FRAME_HEADER_SIZE + 123, data_len);
    frame_buf_consume(&b, &f);
    assert_int_equal(frame_buf_next(&b, &big, &f), FRAME_INCOMPLETE);
    frame_buf_free(&b);
    free(fr);
}

static void test_buf_space_covers_rest_of_frame(void **state)
{
    const struct frame_limits big = {.max_body = 65536, .max_data = 8u << 20};
    size_t len;
    uint8_t *fr = build_frame(DMAEMU__MSG_TYPE__MSG_DMA_WRITE, 5, 10, 3u << 20, &len);
    struct frame_buf b;
    frame_buf_init(&b);
    feed(&b, &big, fr, 100); /* header and a little */
    uint8_t *dst;
    size_t room;
    assert_int_equal(frame_buf_space(&b, &big, &dst, &room), 0);
    assert_true(room >= len - 100);
    frame_buf_free(&b);
    free(fr);
}

/* Receives one DmaWrite frame with data_len bytes of data, each read filling all the room
 * offered; returns the largest capacity the buffer reached, and the frame's size in *len. */
static size_t peak_cap_receiving(const struct frame_limits *l, uint32_t data_len, size_t *len)
{
    size_t off = 0, peak = 0;
    uint8_t *fr = build_frame(DMAEMU__MSG_TYPE__MSG_DMA_WRITE, 1, 50, data_len, len);
    struct frame_buf b;
    frame_buf_init(&b);
    while (off < *len) {
        uint8_t *dst;
        size_t room;
        if (frame_buf_space(&b, l, &dst, &room) != 0)
            break;
        peak = b.cap > peak ? b.cap : peak;
        size_t k = room < *len - off ? room : *len - off;
        memcpy(dst, fr + off, k);
        frame_buf_commit(&b, k);
        off += k;
    }
    frame_buf_free(&b);
    free(fr);
    return peak;
}

/* The buffer holds the frame under way, not more than it needs plus the batch minimum: a peer
 * can make the receiver reserve no more than the limits it agreed to. */
static void test_buf_space_growth_bounded_by_frame(void **state)
{
    const struct frame_limits big = {.max_body = 65536, .max_data = 16u << 20};
    const uint32_t sizes[] = {100000, 1u << 20, (3u << 20) + 5, 5u << 20, 16u << 20};
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        size_t len, peak = peak_cap_receiving(&big, sizes[s], &len);
        if (peak > len + BUF_MIN)
            fail_msg("a %zu-byte frame grew the buffer to %zu bytes (bound %zu)", len, peak,
                     len + BUF_MIN);
    }
}

/* A stream of small frames, read in chunks that cut frames anywhere and consumed as they
 * complete (the daemon's pattern), never makes the buffer grow past its minimum. */
static void test_buf_small_frames_never_grow(void **state)
{
    enum { N = 2000, CHUNK = 5000 };
    size_t len, total;
    uint8_t *fr = build_frame(DMAEMU__MSG_TYPE__MSG_MMIO_READ, 3, 300, 717, &len);
    uint8_t *all = malloc(len * N);
    assert_non_null(all);
    for (int i = 0; i < N; i++)
        memcpy(all + i * len, fr, len);
    total = len * N;
    struct frame_buf b;
    struct frame f;
    int seen = 0;
    frame_buf_init(&b);
    for (size_t off = 0; off < total; off += CHUNK) {
        feed(&b, &lim, all + off, total - off < CHUNK ? total - off : CHUNK);
        assert_int_equal(b.cap, BUF_MIN);
        while (frame_buf_next(&b, &lim, &f) == FRAME_COMPLETE) {
            check_frame(&f, DMAEMU__MSG_TYPE__MSG_MMIO_READ, 3, 300, 717);
            frame_buf_consume(&b, &f);
            seen++;
        }
    }
    assert_int_equal(seen, N);
    frame_buf_free(&b);
    free(all);
    free(fr);
}

static void test_buf_oversize_header_allocates_nothing_more(void **state)
{
    uint8_t hdr[FRAME_HEADER_SIZE];
    header_bytes(DMAEMU__MSG_TYPE__MSG_DMA_WRITE, 0, 1, 0, UINT32_MAX, hdr);
    struct frame_buf b;
    struct frame f;
    frame_buf_init(&b);
    feed(&b, &lim, hdr, sizeof(hdr));
    uint8_t *dst;
    size_t room;
    assert_int_equal(frame_buf_space(&b, &lim, &dst, &room), 0);
    assert_int_equal(b.cap, BUF_MIN);
    assert_int_equal(frame_buf_next(&b, &lim, &f), FRAME_E_DATA_SIZE);
    frame_buf_free(&b);
}

static void test_buf_error_after_good_frame(void **state)
{
    size_t len;
    uint8_t *fr = build_frame(DMAEMU__MSG_TYPE__MSG_PING, 1, 2, 0, &len);
    uint8_t bad[FRAME_HEADER_SIZE];
    header_bytes(DMAEMU__MSG_TYPE__MSG_PING, 0, 2, 0, 0, bad);
    bad[0] = 'X';
    struct frame_buf b;
    struct frame f;
    frame_buf_init(&b);
    feed(&b, &lim, fr, len);
    feed(&b, &lim, bad, sizeof(bad));
    assert_int_equal(frame_buf_next(&b, &lim, &f), FRAME_COMPLETE);
    check_frame(&f, DMAEMU__MSG_TYPE__MSG_PING, 1, 2, 0);
    frame_buf_consume(&b, &f);
    assert_int_equal(frame_buf_next(&b, &lim, &f), FRAME_E_MAGIC);
    frame_buf_free(&b);
    free(fr);
}

/* Frame A is consumed while B is partial; making room moves B to the front without growing. */
static void test_buf_compaction_keeps_later_frame(void **state)
{
    const struct frame_limits l = {.max_body = 65536, .max_data = 65536};
    size_t la, lb;
    uint8_t *a = build_frame(DMAEMU__MSG_TYPE__MSG_DMA_WRITE, 1, 1000, 38980, &la);  /* 40000 */
    uint8_t *bb = build_frame(DMAEMU__MSG_TYPE__MSG_DMA_WRITE, 2, 2000, 57980, &lb); /* 60000 */
    struct frame_buf b;
    struct frame f;
    frame_buf_init(&b);
    feed_concat(&b, &l, 2, (const uint8_t *[]){a, bb}, (size_t[]){la, 20000});
    assert_int_equal(frame_buf_next(&b, &l, &f), FRAME_COMPLETE);
    check_frame(&f, DMAEMU__MSG_TYPE__MSG_DMA_WRITE, 1, 1000, 38980);
    frame_buf_consume(&b, &f);
    feed(&b, &l, bb + 20000, lb - 20000);
    assert_int_equal(b.cap, BUF_MIN);
    assert_int_equal(frame_buf_next(&b, &l, &f), FRAME_COMPLETE);
    check_frame(&f, DMAEMU__MSG_TYPE__MSG_DMA_WRITE, 2, 2000, 57980);
    frame_buf_consume(&b, &f);
    assert_int_equal(frame_buf_next(&b, &l, &f), FRAME_INCOMPLETE);
    frame_buf_free(&b);
    free(a);
    free(bb);
}

/* Three frames arrive; after the first is consumed and room is made, the second (complete) and
 * third (partial, then completed) are intact. */
static void test_buf_compaction_with_complete_frame_pending(void **state)
{
    const struct frame_limits l = {.max_body = 65536, .max_data = 1u << 20};
    size_t l1, l2, l3;
    uint8_t *f1 = build_frame(DMAEMU__MSG_TYPE__MSG_DMA_WRITE, 1, 100, 50000, &l1);
    uint8_t *f2 = build_frame(DMAEMU__MSG_TYPE__MSG_MMIO_READ, 2, 30, 0, &l2);
    uint8_t *f3 = build_frame(DMAEMU__MSG_TYPE__MSG_DMA_WRITE, 3, 10, 200000, &l3);
    struct frame_buf b;
    struct frame f;
    frame_buf_init(&b);
    feed_concat(&b, &l, 3, (const uint8_t *[]){f1, f2, f3}, (size_t[]){l1, l2, 1000});
    assert_int_equal(frame_buf_next(&b, &l, &f), FRAME_COMPLETE);
    check_frame(&f, DMAEMU__MSG_TYPE__MSG_DMA_WRITE, 1, 100, 50000);
    frame_buf_consume(&b, &f);
    feed(&b, &l, f3 + 1000, 5000);
    assert_int_equal(b.cap, BUF_MIN); /* room was made by moving, not growing */
    assert_int_equal(frame_buf_next(&b, &l, &f), FRAME_COMPLETE);
    check_frame(&f, DMAEMU__MSG_TYPE__MSG_MMIO_READ, 2, 30, 0);
    frame_buf_consume(&b, &f);
    feed(&b, &l, f3 + 6000, l3 - 6000);
    assert_int_equal(frame_buf_next(&b, &l, &f), FRAME_COMPLETE);
    check_frame(&f, DMAEMU__MSG_TYPE__MSG_DMA_WRITE, 3, 10, 200000);
    frame_buf_consume(&b, &f);
    frame_buf_free(&b);
    free(f1);
    free(f2);
    free(f3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_encode_layout),
        cmocka_unit_test(test_header_round_trip),
        cmocka_unit_test(test_header_max_u32_lengths_within_max_limits),
        cmocka_unit_test(test_header_lengths_at_limit_accepted),
        cmocka_unit_test(test_header_body_over_limit),
        cmocka_unit_test(test_header_data_over_limit),
        cmocka_unit_test(test_header_zero_limits_refuse_any_length),
        cmocka_unit_test(test_header_bad_magic),
        cmocka_unit_test(test_header_every_table_type_accepted),
        cmocka_unit_test(test_header_unknown_type),
        cmocka_unit_test(test_header_unknown_flag_bits),
        cmocka_unit_test(test_header_nonzero_reserved),
        cmocka_unit_test(test_header_truncated_is_incomplete),
        cmocka_unit_test(test_status_str_distinct),
        cmocka_unit_test(test_buf_empty_is_incomplete),
        cmocka_unit_test(test_buf_space_on_empty_buffer),
        cmocka_unit_test(test_buf_free_resets),
        cmocka_unit_test(test_buf_one_byte_at_a_time),
        cmocka_unit_test(test_buf_many_frames_in_one_chunk),
        cmocka_unit_test(test_buf_chunk_ends_mid_header),
        cmocka_unit_test(test_buf_large_frame_in_pieces),
        cmocka_unit_test(test_buf_space_covers_rest_of_frame),
        cmocka_unit_test(test_buf_space_growth_bounded_by_frame),
        cmocka_unit_test(test_buf_small_frames_never_grow),
        cmocka_unit_test(test_buf_oversize_header_allocates_nothing_more),
        cmocka_unit_test(test_buf_error_after_good_frame),
        cmocka_unit_test(test_buf_compaction_keeps_later_frame),
        cmocka_unit_test(test_buf_compaction_with_complete_frame_pending),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
