/* message.c: frame type <-> protobuf message table and frame encoding. */
#include "message.h"

#include <stdlib.h>

#define MSG_ENTRY(type, desc, name) [DMAEMU__MSG_TYPE__##type] = {&(desc), name}

static const struct {
    const ProtobufCMessageDescriptor *desc;
    const char *name;
} msg_table[] = {
    MSG_ENTRY(MSG_ERROR, dmaemu__error__descriptor, "Error"),
    MSG_ENTRY(MSG_HELLO, dmaemu__hello__descriptor, "Hello"),
    MSG_ENTRY(MSG_HELLO_REPLY, dmaemu__hello_reply__descriptor, "HelloReply"),
    MSG_ENTRY(MSG_PING, dmaemu__ping__descriptor, "Ping"),
    MSG_ENTRY(MSG_PONG, dmaemu__pong__descriptor, "Pong"),
    MSG_ENTRY(MSG_DEVICE_LIST, dmaemu__device_list_request__descriptor, "DeviceList"),
    MSG_ENTRY(MSG_DEVICE_LIST_REPLY, dmaemu__device_list_reply__descriptor, "DeviceListReply"),
    MSG_ENTRY(MSG_ATTACH, dmaemu__attach__descriptor, "Attach"),
    MSG_ENTRY(MSG_ATTACH_REPLY, dmaemu__attach_reply__descriptor, "AttachReply"),
    MSG_ENTRY(MSG_DETACH, dmaemu__detach__descriptor, "Detach"),
    MSG_ENTRY(MSG_OK, dmaemu__ok__descriptor, "Ok"),
    MSG_ENTRY(MSG_MMIO_READ, dmaemu__mmio_read__descriptor, "MmioRead"),
    MSG_ENTRY(MSG_MMIO_READ_REPLY, dmaemu__mmio_read_reply__descriptor, "MmioReadReply"),
    MSG_ENTRY(MSG_MMIO_WRITE, dmaemu__mmio_write__descriptor, "MmioWrite"),
    MSG_ENTRY(MSG_REGION_MAP, dmaemu__region_map__descriptor, "RegionMap"),
    MSG_ENTRY(MSG_REGION_UNMAP, dmaemu__region_unmap__descriptor, "RegionUnmap"),
    MSG_ENTRY(MSG_DMA_READ, dmaemu__dma_read__descriptor, "DmaRead"),
    MSG_ENTRY(MSG_DMA_READ_REPLY, dmaemu__dma_read_reply__descriptor, "DmaReadReply"),
    MSG_ENTRY(MSG_DMA_WRITE, dmaemu__dma_write__descriptor, "DmaWrite"),
    MSG_ENTRY(MSG_INTERRUPT, dmaemu__interrupt__descriptor, "Interrupt"),
    MSG_ENTRY(MSG_REGS, dmaemu__regs_request__descriptor, "Regs"),
    MSG_ENTRY(MSG_REGS_REPLY, dmaemu__regs_reply__descriptor, "RegsReply"),
    MSG_ENTRY(MSG_IO_OPEN, dmaemu__io_open__descriptor, "IoOpen"),
    MSG_ENTRY(MSG_IO_OPEN_REPLY, dmaemu__io_open_reply__descriptor, "IoOpenReply"),
    MSG_ENTRY(MSG_IO_CLOSE, dmaemu__io_close__descriptor, "IoClose"),
    MSG_ENTRY(MSG_IO_REQUEST, dmaemu__io_request__descriptor, "IoRequest"),
    MSG_ENTRY(MSG_IO_COMPLETE, dmaemu__io_complete__descriptor, "IoComplete"),
    MSG_ENTRY(MSG_IO_CANCEL, dmaemu__io_cancel__descriptor, "IoCancel"),
    MSG_ENTRY(MSG_DMA_NOTIFY, dmaemu__dma_notify__descriptor, "DmaNotify"),
    MSG_ENTRY(MSG_DRIVER_EVENT, dmaemu__driver_event__descriptor, "DriverEvent"),
    MSG_ENTRY(MSG_HISTORY_QUERY, dmaemu__history_query__descriptor, "HistoryQuery"),
    MSG_ENTRY(MSG_HISTORY_REPLY, dmaemu__history_reply__descriptor, "HistoryReply"),
    MSG_ENTRY(MSG_CALL_CHANNEL, dmaemu__call_channel__descriptor, "CallChannel"),
    MSG_ENTRY(MSG_FENCE, dmaemu__fence__descriptor, "Fence"),
    MSG_ENTRY(MSG_INTERRUPT_DONE, dmaemu__interrupt_done__descriptor, "InterruptDone"),
};

#define MSG_TABLE_LEN (sizeof(msg_table) / sizeof(msg_table[0]))
_Static_assert(MSG_TABLE_LEN == MSG_TYPE_COUNT, "every MsgType needs a msg_table entry");

const ProtobufCMessageDescriptor *msg_descriptor(uint16_t type)
{
    return type < MSG_TABLE_LEN ? msg_table[type].desc : NULL;
}

const char *msg_type_name(uint16_t type)
{
    return type < MSG_TABLE_LEN && msg_table[type].name ? msg_table[type].name : "unknown";
}

uint8_t *msg_encode(uint16_t type, uint16_t flags, uint32_t id, const ProtobufCMessage *body,
                    uint32_t data_len, size_t *len)
{
    size_t body_len = protobuf_c_message_get_packed_size(body);
    uint8_t *buf = malloc(FRAME_HEADER_SIZE + body_len);
    if (buf == NULL)
        return NULL;
    struct frame_header h = {
        .type = type,
        .flags = flags,
        .request_id = id,
        .body_len = (uint32_t)body_len,
        .data_len = data_len,
    };
    frame_header_encode(&h, buf);
    protobuf_c_message_pack(body, buf + FRAME_HEADER_SIZE);
    *len = FRAME_HEADER_SIZE + body_len;
    return buf;
}

ProtobufCMessage *msg_decode(const struct frame *f)
{
    const ProtobufCMessageDescriptor *desc = msg_descriptor(f->h.type);
    if (desc == NULL)
        return NULL;
    return protobuf_c_message_unpack(desc, NULL, f->h.body_len, f->body);
}

void msg_free(ProtobufCMessage *m)
{
    if (m != NULL)
        protobuf_c_message_free_unpacked(m, NULL);
}

const char *msg_error_code_name(int code)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&dmaemu__error_code__descriptor, code);
    return v ? v->name : "E_UNKNOWN";
}
