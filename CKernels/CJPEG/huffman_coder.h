// Huffman coding of quantised 8×8 blocks for Fovea's baseline coder: the codes jchuff.c writes
// for the same coefficients and tables (DC difference, then run/size symbols, ZRL for 16 zeros,
// EOB), into an unstuffed bit stream; baseline_encoder.c stuffs 0xFF bytes when it copies the
// stream into the file.
#ifndef FOVEA_HUFFMAN_CODER_H
#define FOVEA_HUFFMAN_CODER_H

#include <stdint.h>

#include "jpeg_tables.h"

/// A bit stream being written most significant bit first. Whole bytes go to `next` as soon as
/// they are complete (8-byte stores: 8 bytes past `next` must be writable); at most 7 bits wait
/// in `pending`, left aligned.
typedef struct fovea_bit_writer {
    uint64_t pending;
    int count;
    uint8_t *next;
} fovea_bit_writer;

/// Fills the last byte with 1 bits (jchuff.c's flush_bits) and writes it.
void fovea_bit_writer_pad(fovea_bit_writer *writer);

/// One component's DC and AC tables as entries (length << 16) | code.
typedef struct fovea_huffman_table {
    uint32_t dc[16];
    uint32_t ac[256];
} fovea_huffman_table;

void fovea_huffman_table_init(fovea_huffman_table *table, const fovea_huffman_codes *dc, const fovea_huffman_codes *ac);

/// Codes one block (64 coefficients in zigzag order) after the block whose DC value was
/// `*last_dc`, which becomes this block's.
void fovea_huffman_block_scalar(fovea_bit_writer *writer, const fovea_huffman_table *table, const int16_t *block,
                                int16_t *last_dc);

/// The same bits with AVX-512 (F, BW, CD, VBMI2): the symbols of all nonzero coefficients at
/// once, written two at a time.
void fovea_huffman_block_avx512(fovea_bit_writer *writer, const fovea_huffman_table *table, const int16_t *block,
                                int16_t *last_dc);

int fovea_huffman_avx512_available(void);

#endif
