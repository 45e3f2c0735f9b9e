/*++

Module Name:

    Reg9656.h

Abstract:

    Register layout of the PLX PCI 9656 as seen through BAR 0 (memory mapped,
    0x200 bytes), the bits the driver uses, and the scatter/gather DMA
    descriptor the chip fetches from host memory.

    The register block is a structure laid over the mapped BAR: the driver
    only takes addresses of its fields and passes them to READ_REGISTER_* /
    WRITE_REGISTER_*; it never dereferences them.

Environment:

    Kernel mode

--*/

#pragma once

#pragma pack(push, 4)

//
// One DMA channel's block of registers (channel 0 at 0x080, channel 1 at 0x094).
//
typedef struct _PCI9656_DMA_CHANNEL_REGS {
    ULONG Mode;                 // DMAMODEx
    ULONG PciAddress;           // DMAPADRx: PCI address, low 32 bits (block mode)
    ULONG LocalAddress;         // DMALADRx: local (SRAM) address (block mode)
    ULONG TransferSize;         // DMASIZx: byte count, bits 22:0 (block mode)
    ULONG DescriptorPointer;    // DMADPRx
} PCI9656_DMA_CHANNEL_REGS, *PPCI9656_DMA_CHANNEL_REGS;

//
// The whole BAR 0 register block.
//
typedef struct _PCI9656_REGS {
    // Local configuration registers
    ULONG Las0Range;                // 0x000 LAS0RR
    ULONG Las0Remap;                // 0x004 LAS0BA
    ULONG LocalArbitration;         // 0x008 MARBR
    UCHAR BigEndian;                // 0x00C BIGEND
    UCHAR LocalMisc1;               // 0x00D LMISC1
    UCHAR ProtectedArea;            // 0x00E PROT_AREA
    UCHAR LocalMisc2;               // 0x00F LMISC2
    ULONG ExpRomRange;              // 0x010 EROMRR
    ULONG ExpRomRemap;              // 0x014 EROMBA
    ULONG Las0BusDescriptor;        // 0x018 LBRD0
    ULONG DmRange;                  // 0x01C DMRR
    ULONG DmLocalMemoryBase;        // 0x020 DMLBAM
    ULONG DmLocalIoBase;            // 0x024 DMLBAI
    ULONG DmPciMemoryRemap;         // 0x028 DMPBAM
    ULONG DmConfigAddress;          // 0x02C DMCFGA
    ULONG OutboundPostStatus;       // 0x030 OPQIS
    ULONG OutboundPostMask;         // 0x034 OPQIM
    ULONG Reserved038[2];           // 0x038

    // Runtime registers
    ULONG Mailbox[8];               // 0x040 MBOX0 - MBOX7
    ULONG PciToLocalDoorbell;       // 0x060 P2LDBELL
    ULONG LocalToPciDoorbell;       // 0x064 L2PDBELL
    ULONG Intcsr;                   // 0x068 INTCSR
    ULONG Cntrl;                    // 0x06C CNTRL
    ULONG PciHidr;                  // 0x070 PCIHIDR: device id << 16 | vendor id
    ULONG PciHrev;                  // 0x074 PCIHREV: revision
    ULONG Reserved078[2];           // 0x078

    // DMA registers
    PCI9656_DMA_CHANNEL_REGS Dma[2];// 0x080 channel 0, 0x094 channel 1
    UCHAR DmaCsr[2];                // 0x0A8 DMACSR0, 0x0A9 DMACSR1 (8-bit)
    UCHAR Reserved0AA[2];           // 0x0AA
    ULONG DmaArbitration;           // 0x0AC DMAARB
    ULONG DmaThreshold;             // 0x0B0 DMATHR
    ULONG DmaDac[2];                // 0x0B4 DMADAC0, 0x0B8 DMADAC1: PCI address, high 32 bits

    ULONG Reserved0BC[(0x200 - 0x0BC) / sizeof(ULONG)];
} PCI9656_REGS, *PPCI9656_REGS;

#pragma pack(pop)

C_ASSERT(FIELD_OFFSET(PCI9656_REGS, Intcsr) == 0x068);
C_ASSERT(FIELD_OFFSET(PCI9656_REGS, Cntrl) == 0x06C);
C_ASSERT(FIELD_OFFSET(PCI9656_REGS, PciHrev) == 0x074);
C_ASSERT(FIELD_OFFSET(PCI9656_REGS, Dma[0].Mode) == 0x080);
C_ASSERT(FIELD_OFFSET(PCI9656_REGS, Dma[1].Mode) == 0x094);
C_ASSERT(FIELD_OFFSET(PCI9656_REGS, Dma[1].DescriptorPointer) == 0x0A4);
C_ASSERT(FIELD_OFFSET(PCI9656_REGS, DmaCsr[1]) == 0x0A9);
C_ASSERT(FIELD_OFFSET(PCI9656_REGS, DmaArbitration) == 0x0AC);
C_ASSERT(FIELD_OFFSET(PCI9656_REGS, DmaDac[1]) == 0x0B8);
C_ASSERT(sizeof(PCI9656_REGS) == 0x200);

//
// INTCSR
//
#define INTCSR_PCI_INT_ENABLE           0x00000100  // bit 8
#define INTCSR_PCI_ABORT_INT_ENABLE     0x00000400  // bit 10
#define INTCSR_PCI_ABORT_ACTIVE         0x00004000  // bit 14, write 1 to clear
#define INTCSR_DMA_INT_ENABLE(Ch)       ((ULONG)0x00040000 << (Ch))  // bits 18, 19
#define INTCSR_DMA_INT_ACTIVE(Ch)       ((ULONG)0x00200000 << (Ch))  // bits 21, 22
#define INTCSR_DMA_ABORT_MASTER(Ch)     ((ULONG)0x02000000 << (Ch))  // bits 25, 26

//
// CNTRL
//
#define CNTRL_SOFTWARE_RESET            0x40000000  // bit 30

//
// DMAMODEx
//
#define DMAMODE_BUS_WIDTH_32            0x00000003  // bits 1:0
#define DMAMODE_READY_INPUT_ENABLE      0x00000040  // bit 6
#define DMAMODE_BTERM_INPUT_ENABLE      0x00000080  // bit 7
#define DMAMODE_LOCAL_BURST_ENABLE      0x00000100  // bit 8
#define DMAMODE_SCATTER_GATHER          0x00000200  // bit 9
#define DMAMODE_DONE_INT_ENABLE         0x00000400  // bit 10
#define DMAMODE_LOCAL_ADDRESS_HOLD      0x00000800  // bit 11
#define DMAMODE_CLEAR_COUNT             0x00010000  // bit 16
#define DMAMODE_INT_TO_PCI              0x00020000  // bit 17: route to INTA#
#define DMAMODE_DAC_CHAIN_LOAD          0x00040000  // bit 18

// What every transfer uses on the local side: 32-bit SRAM, READY#, BTERM#, bursts.
#define DMAMODE_LOCAL_BUS               (DMAMODE_BUS_WIDTH_32 | DMAMODE_READY_INPUT_ENABLE | \
                                         DMAMODE_BTERM_INPUT_ENABLE | DMAMODE_LOCAL_BURST_ENABLE)

//
// DMADPRx, and the next-descriptor field of a descriptor (same layout)
//
#define DMADPR_DESCRIPTOR_IN_PCI        0x00000001  // bit 0: descriptor in host memory
#define DMADPR_END_OF_CHAIN             0x00000002  // bit 1
#define DMADPR_INT_AFTER_TERMINAL_COUNT 0x00000004  // bit 2
#define DMADPR_LOCAL_TO_PCI             0x00000008  // bit 3: direction device -> host
#define DMADPR_ADDRESS_MASK             0xFFFFFFF0  // bits 31:4

//
// DMACSRx (8-bit)
//
#define DMACSR_ENABLE                   0x01
#define DMACSR_START                    0x02
#define DMACSR_ABORT                    0x04
#define DMACSR_CLEAR_INTERRUPT          0x08
#define DMACSR_DONE                     0x10

//
// DMASIZx and descriptor sizes
//
#define DMASIZ_MAXIMUM                  0x007FFFFF  // bits 22:0

//
// A scatter/gather descriptor in host memory. The chip needs 16-byte
// alignment; the driver lays descriptors out 32 bytes apart. With DAC chain
// load on (DMAMODE bit 18) the chip also fetches PciAddressHigh. In
// clear-count mode the chip writes 0 to TransferSize once the descriptor's
// bytes have moved.
//
typedef struct _PCI9656_DMA_DESCRIPTOR {
    ULONG PciAddressLow;        // +0x00
    ULONG LocalAddress;         // +0x04
    ULONG TransferSize;         // +0x08
    ULONG NextDescriptor;       // +0x0C: DMADPR layout
    ULONG PciAddressHigh;       // +0x10: DAC chain load only
    ULONG Reserved[3];          // +0x14: pad to 32 bytes
} PCI9656_DMA_DESCRIPTOR, *PPCI9656_DMA_DESCRIPTOR;

C_ASSERT(sizeof(PCI9656_DMA_DESCRIPTOR) == 32);
C_ASSERT(FIELD_OFFSET(PCI9656_DMA_DESCRIPTOR, TransferSize) == 8);
C_ASSERT(FIELD_OFFSET(PCI9656_DMA_DESCRIPTOR, PciAddressHigh) == 16);

#define PCI9656_DESCRIPTOR_ALIGNMENT    FILE_OCTA_ALIGNMENT     // 16 bytes
