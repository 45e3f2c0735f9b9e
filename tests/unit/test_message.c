/* test_message.c: the frame type table, msg_encode/msg_decode and the name helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dmaemu.pb-c.h"
#include "frame.h"
#include "message.h"

/* One past the highest MsgType in message.c's table. */
#define TYPE_COUNT MSG_TYPE_COUNT

static const struct frame_limits big = {.max_body = 1u << 20, .max_data = 1u << 20};

/* Encodes m, checks the header, decodes the body back; the caller msg_free()s the result. */
static ProtobufCMessage *round_trip(uint16_t type, uint16_t flags, uint32_t id,
                                    const ProtobufCMessage *m, uint32_t data_len)
{
    size_t len = 0;
    uint8_t *buf = msg_encode(type, flags, id, m, data_len, &len);
    assert_non_null(buf);
    assert_int_equal(len, FRAME_HEADER_SIZE + protobuf_c_message_get_packed_size(m));
    struct frame f = {0};
    assert_int_equal(frame_header_decode(buf, len, &big, &f.h), FRAME_COMPLETE);
    assert_int_equal(f.h.type, type);
    assert_int_equal(f.h.flags, flags);
    assert_int_equal(f.h.request_id, id);
    assert_int_equal(f.h.body_len, len - FRAME_HEADER_SIZE);
    assert_int_equal(f.h.data_len, data_len);
    f.body = buf + FRAME_HEADER_SIZE;
    ProtobufCMessage *out = msg_decode(&f);
    free(buf);
    assert_non_null(out);
    assert_ptr_equal(out->descriptor, m->descriptor);
    return out;
}

/* msg_decode of a frame of this type whose body is exactly these bytes. */
static ProtobufCMessage *decode_body(uint16_t type, const uint8_t *body, size_t len)
{
    /* An exact-size copy so that a read past the body is caught by sanitizers. */
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, body, len);
    struct frame f = {.h = {.type = type, .body_len = (uint32_t)len}, .body = copy};
    ProtobufCMessage *m = msg_decode(&f);
    free(copy);
    return m;
}

/* ---- the table ---- */

static void test_descriptor_table_matches_types(void **state)
{
    assert_ptr_equal(msg_descriptor(DMAEMU__MSG_TYPE__MSG_ERROR), &dmaemu__error__descriptor);
    assert_ptr_equal(msg_descriptor(DMAEMU__MSG_TYPE__MSG_HELLO), &dmaemu__hello__descriptor);
    assert_ptr_equal(msg_descriptor(DMAEMU__MSG_TYPE__MSG_DEVICE_LIST),
                     &dmaemu__device_list_request__descriptor);
    assert_ptr_equal(msg_descriptor(DMAEMU__MSG_TYPE__MSG_MMIO_WRITE),
                     &dmaemu__mmio_write__descriptor);
    assert_ptr_equal(msg_descriptor(DMAEMU__MSG_TYPE__MSG_REGS_REPLY),
                     &dmaemu__regs_reply__descriptor);
    for (uint16_t t = 1; t < TYPE_COUNT; t++)
        assert_non_null(msg_descriptor(t));
}

static void test_descriptor_unknown_types_null(void **state)
{
    assert_null(msg_descriptor(DMAEMU__MSG_TYPE__MSG_INVALID));
    assert_null(msg_descriptor(TYPE_COUNT));
    assert_null(msg_descriptor(0x100));
    assert_null(msg_descriptor(0xFFFF));
}

static void test_type_name(void **state)
{
    assert_string_equal(msg_type_name(DMAEMU__MSG_TYPE__MSG_ERROR), "Error");
    assert_string_equal(msg_type_name(DMAEMU__MSG_TYPE__MSG_HELLO), "Hello");
    assert_string_equal(msg_type_name(DMAEMU__MSG_TYPE__MSG_DEVICE_LIST_REPLY), "DeviceListReply");
    assert_string_equal(msg_type_name(DMAEMU__MSG_TYPE__MSG_MMIO_READ), "MmioRead");
    assert_string_equal(msg_type_name(DMAEMU__MSG_TYPE__MSG_DMA_WRITE), "DmaWrite");
    assert_string_equal(msg_type_name(DMAEMU__MSG_TYPE__MSG_REGS_REPLY), "RegsReply");
}

static void test_type_name_unknown(void **state)
{
    assert_string_equal(msg_type_name(DMAEMU__MSG_TYPE__MSG_INVALID), "unknown");
    assert_string_equal(msg_type_name(TYPE_COUNT), "unknown");
    assert_string_equal(msg_type_name(0xFFFF), "unknown");
}

static void test_type_names_distinct(void **state)
{
    for (uint16_t t = 1; t < TYPE_COUNT; t++) {
        assert_string_not_equal(msg_type_name(t), "unknown");
        for (uint16_t u = 1; u < t; u++)
            assert_string_not_equal(msg_type_name(t), msg_type_name(u));
    }
}

static void test_error_code_name(void **state)
{
    assert_string_equal(msg_error_code_name(DMAEMU__ERROR_CODE__E_NONE), "E_NONE");
    assert_string_equal(msg_error_code_name(DMAEMU__ERROR_CODE__E_PROTOCOL), "E_PROTOCOL");
    assert_string_equal(msg_error_code_name(DMAEMU__ERROR_CODE__E_FAULT), "E_FAULT");
    assert_string_equal(msg_error_code_name(DMAEMU__ERROR_CODE__E_INTERNAL), "E_INTERNAL");
}

static void test_error_code_name_unknown(void **state)
{
    assert_string_equal(msg_error_code_name(DMAEMU__ERROR_CODE__E_INTERNAL + 1), "E_UNKNOWN");
    assert_string_equal(msg_error_code_name(-1), "E_UNKNOWN");
    assert_string_equal(msg_error_code_name(1000000), "E_UNKNOWN");
}

/* ---- round trips ---- */

static void test_hello_round_trip(void **state)
{
    static const uint8_t token[] = {0x00, 0xFF, 0x10, 0x00, 0x7F};
    Dmaemu__Limits lim = DMAEMU__LIMITS__INIT;
    lim.max_body = 65536;
    lim.max_data = 1u << 20;
    lim.max_regions = 4096;
    Dmaemu__Hello h = DMAEMU__HELLO__INIT;
    h.version_min = 1;
    h.version_max = 3;
    h.role = DMAEMU__ROLE__ROLE_DRIVER;
    h.client_name = "plx-driver";
    h.token.data = (uint8_t *)token;
    h.token.len = sizeof(token);
    h.limits = &lim;
    h.pid = 4242;
    h.host = "build01";

    Dmaemu__Hello *o = (Dmaemu__Hello *)round_trip(DMAEMU__MSG_TYPE__MSG_HELLO, 0, 1, &h.base, 0);
    assert_int_equal(o->version_min, 1);
    assert_int_equal(o->version_max, 3);
    assert_int_equal(o->role, DMAEMU__ROLE__ROLE_DRIVER);
    assert_string_equal(o->client_name, "plx-driver");
    assert_int_equal(o->token.len, sizeof(token));
    assert_memory_equal(o->token.data, token, sizeof(token));
    assert_non_null(o->limits);
    assert_int_equal(o->limits->max_body, 65536);
    assert_int_equal(o->limits->max_data, 1u << 20);
    assert_int_equal(o->limits->max_regions, 4096);
    assert_int_equal(o->pid, 4242);
    assert_string_equal(o->host, "build01");
    msg_free(&o->base);
}

static void test_hello_without_limits_or_token(void **state)
{
    Dmaemu__Hello h = DMAEMU__HELLO__INIT;
    h.version_min = h.version_max = 1;
    Dmaemu__Hello *o = (Dmaemu__Hello *)round_trip(DMAEMU__MSG_TYPE__MSG_HELLO, 0, 2, &h.base, 0);
    assert_null(o->limits);
    assert_int_equal(o->token.len, 0);
    assert_string_equal(o->client_name, "");
    msg_free(&o->base);
}

static void test_mmio_write_round_trip(void **state)
{
    Dmaemu__MmioWrite w = DMAEMU__MMIO_WRITE__INIT;
    w.bar = 2;
    w.offset = UINT64_C(0xFFFFFFFFFFFFFFF8);
    w.width = 8;
    w.value = UINT64_C(0xDEADBEEFCAFEF00D);
    w.device = "plx1";
    w.force = 1;
    Dmaemu__MmioWrite *o =
        (Dmaemu__MmioWrite *)round_trip(DMAEMU__MSG_TYPE__MSG_MMIO_WRITE, 0, 0, &w.base, 0);
    assert_int_equal(o->bar, 2);
    assert_true(o->offset == UINT64_C(0xFFFFFFFFFFFFFFF8));
    assert_int_equal(o->width, 8);
    assert_true(o->value == UINT64_C(0xDEADBEEFCAFEF00D));
    assert_string_equal(o->device, "plx1");
    assert_true(o->force);
    msg_free(&o->base);
}

static void test_dma_write_announces_data(void **state)
{
    Dmaemu__DmaWrite w = DMAEMU__DMA_WRITE__INIT;
    w.bus_addr = UINT64_C(0x100000000);
    Dmaemu__DmaWrite *o = (Dmaemu__DmaWrite *)round_trip(DMAEMU__MSG_TYPE__MSG_DMA_WRITE,
                                                         FRAME_REPLY, 0xFFFFFFFFu, &w.base, 123456);
    assert_true(o->bus_addr == UINT64_C(0x100000000));
    msg_free(&o->base);
}

static void test_empty_message_round_trip(void **state)
{
    Dmaemu__Ok ok = DMAEMU__OK__INIT;
    size_t len = 0;
    uint8_t *buf = msg_encode(DMAEMU__MSG_TYPE__MSG_OK, FRAME_REPLY, 9, &ok.base, 0, &len);
    assert_non_null(buf);
    assert_int_equal(len, FRAME_HEADER_SIZE);
    free(buf);
    ProtobufCMessage *o = round_trip(DMAEMU__MSG_TYPE__MSG_OK, FRAME_REPLY, 9, &ok.base, 0);
    msg_free(o);
}

static void test_error_round_trip(void **state)
{
    Dmaemu__Error e = DMAEMU__ERROR__INIT;
    e.code = DMAEMU__ERROR_CODE__E_OVERLAP;
    e.message = "bus range overlaps";
    Dmaemu__Error *o = (Dmaemu__Error *)round_trip(DMAEMU__MSG_TYPE__MSG_ERROR,
                                                   FRAME_REPLY | FRAME_POSTED, 0, &e.base, 0);
    assert_int_equal(o->code, DMAEMU__ERROR_CODE__E_OVERLAP);
    assert_string_equal(o->message, "bus range overlaps");
    msg_free(&o->base);
}

static void test_device_list_reply_round_trip(void **state)
{
    Dmaemu__Bar b0 = DMAEMU__BAR__INIT, b1 = DMAEMU__BAR__INIT, b2 = DMAEMU__BAR__INIT;
    b0.index = 0, b0.size = 4096;
    b1.index = 1, b1.kind = DMAEMU__BAR_KIND__BAR_IO, b1.size = 256;
    b2.index = 2, b2.size = UINT64_C(1) << 40;
    Dmaemu__Bar *bars[] = {&b0, &b1, &b2};
    Dmaemu__InterruptResource irq = DMAEMU__INTERRUPT_RESOURCE__INIT;
    irq.count = 1;
    Dmaemu__InterruptResource *irqs[] = {&irq};
    Dmaemu__DeviceInfo d0 = DMAEMU__DEVICE_INFO__INIT, d1 = DMAEMU__DEVICE_INFO__INIT;
    d0.name = "plx0", d0.model = "plx9656", d0.vendor_id = 0x10B5, d0.device_id = 0x9656;
    d0.revision = 0xAA, d0.n_bars = 3, d0.bars = bars, d0.n_interrupts = 1, d0.interrupts = irqs;
    d0.state = DMAEMU__DEVICE_STATE__DEVICE_OWNED, d0.owner_session = 77;
    d0.owner_name = "drv", d0.owner_peer = "unix";
    d1.name = "plx1", d1.model = "plx9656";
    Dmaemu__DeviceInfo *devs[] = {&d0, &d1};
    Dmaemu__DeviceListReply r = DMAEMU__DEVICE_LIST_REPLY__INIT;
    r.n_devices = 2, r.devices = devs;

    Dmaemu__DeviceListReply *o = (Dmaemu__DeviceListReply *)round_trip(
        DMAEMU__MSG_TYPE__MSG_DEVICE_LIST_REPLY, FRAME_REPLY, 3, &r.base, 0);
    assert_int_equal(o->n_devices, 2);
    const Dmaemu__DeviceInfo *a = o->devices[0], *b = o->devices[1];
    assert_string_equal(a->name, "plx0");
    assert_string_equal(a->model, "plx9656");
    assert_int_equal(a->vendor_id, 0x10B5);
    assert_int_equal(a->device_id, 0x9656);
    assert_int_equal(a->revision, 0xAA);
    assert_int_equal(a->state, DMAEMU__DEVICE_STATE__DEVICE_OWNED);
    assert_int_equal(a->owner_session, 77);
    assert_string_equal(a->owner_name, "drv");
    assert_string_equal(a->owner_peer, "unix");
    assert_int_equal(a->n_bars, 3);
    assert_int_equal(a->bars[0]->size, 4096);
    assert_int_equal(a->bars[1]->index, 1);
    assert_int_equal(a->bars[1]->kind, DMAEMU__BAR_KIND__BAR_IO);
    assert_int_equal(a->bars[1]->size, 256);
    assert_int_equal(a->bars[2]->index, 2);
    assert_true(a->bars[2]->size == UINT64_C(1) << 40);
    assert_int_equal(a->n_interrupts, 1);
    assert_int_equal(a->interrupts[0]->kind, DMAEMU__IRQ_KIND__IRQ_LINE);
    assert_int_equal(a->interrupts[0]->count, 1);
    assert_string_equal(b->name, "plx1");
    assert_int_equal(b->n_bars, 0);
    assert_int_equal(b->state, DMAEMU__DEVICE_STATE__DEVICE_FREE);
    msg_free(&o->base);
}

static void test_regs_reply_round_trip(void **state)
{
    Dmaemu__RegField f0 = DMAEMU__REG_FIELD__INIT, f1 = DMAEMU__REG_FIELD__INIT;
    f0.name = "EN", f0.value = 1, f0.meaning = "enabled";
    f1.name = "CNT", f1.value = UINT64_MAX;
    Dmaemu__RegField *fields[] = {&f0, &f1};
    Dmaemu__Register r0 = DMAEMU__REGISTER__INIT, r1 = DMAEMU__REGISTER__INIT;
    r0.name = "DMAMODE0", r0.bar = 0, r0.offset = 0x80, r0.width = 4, r0.value = 0x43;
    r0.n_fields = 2, r0.fields = fields;
    r1.name = "INTCSR", r1.bar = 0, r1.offset = 0x68, r1.width = 4, r1.value = 0x0F000000;
    Dmaemu__Register *regs[] = {&r0, &r1};
    Dmaemu__RegsReply rr = DMAEMU__REGS_REPLY__INIT;
    rr.device = "plx0", rr.model = "plx9656", rr.n_registers = 2, rr.registers = regs;

    Dmaemu__RegsReply *o = (Dmaemu__RegsReply *)round_trip(DMAEMU__MSG_TYPE__MSG_REGS_REPLY,
                                                           FRAME_REPLY, 12, &rr.base, 0);
    assert_string_equal(o->device, "plx0");
    assert_string_equal(o->model, "plx9656");
    assert_int_equal(o->n_registers, 2);
    assert_string_equal(o->registers[0]->name, "DMAMODE0");
    assert_int_equal(o->registers[0]->offset, 0x80);
    assert_int_equal(o->registers[0]->value, 0x43);
    assert_int_equal(o->registers[0]->n_fields, 2);
    assert_string_equal(o->registers[0]->fields[0]->name, "EN");
    assert_int_equal(o->registers[0]->fields[0]->value, 1);
    assert_string_equal(o->registers[0]->fields[0]->meaning, "enabled");
    assert_string_equal(o->registers[0]->fields[1]->name, "CNT");
    assert_true(o->registers[0]->fields[1]->value == UINT64_MAX);
    assert_string_equal(o->registers[0]->fields[1]->meaning, "");
    assert_string_equal(o->registers[1]->name, "INTCSR");
    assert_int_equal(o->registers[1]->offset, 0x68);
    assert_int_equal(o->registers[1]->value, 0x0F000000);
    assert_int_equal(o->registers[1]->n_fields, 0);
    msg_free(&o->base);
}

/* ---- malformed bodies ---- */

static void test_decode_unknown_type_null(void **state)
{
    assert_null(decode_body(DMAEMU__MSG_TYPE__MSG_INVALID, (const uint8_t *)"", 0));
    assert_null(decode_body(TYPE_COUNT, (const uint8_t *)"", 0));
    assert_null(decode_body(0xFFFF, (const uint8_t *)"", 0));
}

static void test_decode_empty_body_every_type(void **state)
{
    for (uint16_t t = 1; t < TYPE_COUNT; t++) {
        ProtobufCMessage *m = decode_body(t, (const uint8_t *)"", 0);
        assert_non_null(m);
        assert_ptr_equal(m->descriptor, msg_descriptor(t));
        msg_free(m);
    }
}

/* Each body is malformed whatever the message type. */
static const struct {
    const char *what;
    uint8_t len;
    uint8_t bytes[12];
} garbage[] = {
    {"truncated tag", 1, {0x80}},
    {"truncated varint value", 2, {0x08, 0x80}},
    {"varint value cut after 9 bytes",
     10,
     {0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}},
    {"length prefix past the body", 4, {0x0A, 0x05, 'a', 'b'}},
    {"huge length prefix", 6, {0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F}},
    {"truncated length prefix", 2, {0x0A, 0x80}},
    {"truncated fixed64", 5, {0x09, 1, 2, 3, 4}},
    {"truncated fixed32", 3, {0x0D, 1, 2}},
    {"wire type 6", 2, {0x0E, 0x00}},
    {"wire type 7", 2, {0x0F, 0x00}},
    {"field number 0", 2, {0x00, 0x01}},
    {"valid field then truncated varint", 4, {0x08, 0x01, 0x10, 0x80}},
};

static void test_decode_garbage_every_type(void **state)
{
    for (size_t g = 0; g < sizeof(garbage) / sizeof(garbage[0]); g++) {
        for (uint16_t t = 1; t < TYPE_COUNT; t++) {
            ProtobufCMessage *m = decode_body(t, garbage[g].bytes, garbage[g].len);
            if (m != NULL) {
                msg_free(m);
                fail_msg("%s: %s body accepted", msg_type_name(t), garbage[g].what);
            }
        }
    }
}

/* Field 1 sent as fixed32 (wire type 5): no message here has a fixed32 field 1. */
static void test_decode_wrong_wire_type_every_type(void **state)
{
    static const uint8_t body[] = {0x0D, 0x01, 0x00, 0x00, 0x00};
    for (uint16_t t = 1; t < TYPE_COUNT; t++) {
        const ProtobufCMessageDescriptor *d = msg_descriptor(t);
        ProtobufCMessage *m = decode_body(t, body, sizeof(body));
        if (protobuf_c_message_descriptor_get_field(d, 1) != NULL) {
            if (m != NULL) {
                msg_free(m);
                fail_msg("%s: fixed32 field 1 accepted", msg_type_name(t));
            }
        } else {
            /* An unknown field of any wire type is skipped, as protobuf requires. */
            assert_non_null(m);
            msg_free(m);
        }
    }
}

static void test_decode_nested_message_truncated(void **state)
{
    /* Hello.limits (field 6) holds 3 bytes: max_body (field 1) = varint cut short. */
    static const uint8_t body[] = {0x32, 0x03, 0x08, 0x80, 0x80};
    assert_null(decode_body(DMAEMU__MSG_TYPE__MSG_HELLO, body, sizeof(body)));
}

static void test_decode_truncated_valid_bodies(void **state)
{
    Dmaemu__MmioWrite w = DMAEMU__MMIO_WRITE__INIT;
    /* Packed sizes with the first k fields set are the offsets where a field ends. */
    size_t field_ends[5];
    w.bar = 1;
    field_ends[0] = protobuf_c_message_get_packed_size(&w.base);
    w.offset = 0x123456789;
    field_ends[1] = protobuf_c_message_get_packed_size(&w.base);
    w.width = 4;
    field_ends[2] = protobuf_c_message_get_packed_size(&w.base);
    w.value = UINT64_MAX;
    field_ends[3] = protobuf_c_message_get_packed_size(&w.base);
    w.device = "plx0";
    field_ends[4] = protobuf_c_message_get_packed_size(&w.base);
    assert_int_equal(field_ends[4], 2 + 6 + 2 + 11 + 6);
    uint8_t body[64];
    size_t n = protobuf_c_message_pack(&w.base, body);
    assert_int_equal(n, field_ends[4]);
    /* A cut inside a field leaves it truncated; a cut between fields is a valid message. */
    for (size_t cut = 1; cut < n; cut++) {
        ProtobufCMessage *m = decode_body(DMAEMU__MSG_TYPE__MSG_MMIO_WRITE, body, cut);
        bool boundary = false;
        for (size_t i = 0; i < 4; i++)
            boundary |= field_ends[i] == cut;
        if (boundary != (m != NULL)) {
            msg_free(m);
            fail_msg("MmioWrite cut at %zu of %zu: decode %s", cut, n,
                     m ? "accepted a truncated field" : "refused a whole field");
        }
        msg_free(m);
    }
}

static void test_msg_free_null(void **state)
{
    msg_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptor_table_matches_types),
        cmocka_unit_test(test_descriptor_unknown_types_null),
        cmocka_unit_test(test_type_name),
        cmocka_unit_test(test_type_name_unknown),
        cmocka_unit_test(test_type_names_distinct),
        cmocka_unit_test(test_error_code_name),
        cmocka_unit_test(test_error_code_name_unknown),
        cmocka_unit_test(test_hello_round_trip),
        cmocka_unit_test(test_hello_without_limits_or_token),
        cmocka_unit_test(test_mmio_write_round_trip),
        cmocka_unit_test(test_dma_write_announces_data),
        cmocka_unit_test(test_empty_message_round_trip),
        cmocka_unit_test(test_error_round_trip),
        cmocka_unit_test(test_device_list_reply_round_trip),
        cmocka_unit_test(test_regs_reply_round_trip),
        cmocka_unit_test(test_decode_unknown_type_null),
        cmocka_unit_test(test_decode_empty_body_every_type),
        cmocka_unit_test(test_decode_garbage_every_type),
        cmocka_unit_test(test_decode_wrong_wire_type_every_type),
        cmocka_unit_test(test_decode_nested_message_truncated),
        cmocka_unit_test(test_decode_truncated_valid_bodies),
        cmocka_unit_test(test_msg_free_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
