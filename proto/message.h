/*
 * message.h: the table from frame type to protobuf message, and frame encoding.
 */
#ifndef DMAEMU_MESSAGE_H
#define DMAEMU_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include "dmaemu.pb-c.h"
#include "frame.h"

/* One past the highest MsgType; message.c checks its table against it at compile time. */
#define MSG_TYPE_COUNT (DMAEMU__MSG_TYPE__MSG_INTERRUPT_DONE + 1)

/* The message a frame of this type carries, or NULL for a type no peer may send. */
const ProtobufCMessageDescriptor *msg_descriptor(uint16_t type);
const char *msg_type_name(uint16_t type);

/*
 * Encodes header and body into one malloc'd buffer of *len bytes. The header announces data_len
 * bytes of data, which the caller sends right after (so bulk data need not be copied).
 */
uint8_t *msg_encode(uint16_t type, uint16_t flags, uint32_t id, const ProtobufCMessage *body,
                    uint32_t data_len, size_t *len);

/* Unpacks a frame's body; NULL when it is not a valid message of the frame's type. */
ProtobufCMessage *msg_decode(const struct frame *f);
void msg_free(ProtobufCMessage *m);

const char *msg_error_code_name(int code);

#endif
