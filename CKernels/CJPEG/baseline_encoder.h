// Fovea's own baseline JPEG coder: takes the Y, Cb and Cr (or grey) planes that jpeg.c would
// give libjpeg's jpeg_write_raw_data, one row of 8×8 blocks at a time, and writes the file
// libjpeg writes for them — the same markers, tables, coefficients, Huffman codes, restart
// markers and padding, byte for byte (JPEGCoderTests) — with a DCT four blocks at a time and
// the symbols of a block formed all at once (AVX-512), where libjpeg-turbo 2.1 does one block
// with AVX2 and codes coefficient by coefficient.
//
// Baseline, 4:4:4, standard Huffman tables only: progressive files and optimised tables stay
// with libjpeg.
#ifndef FOVEA_BASELINE_ENCODER_H
#define FOVEA_BASELINE_ENCODER_H

#include <stddef.h>
#include <stdint.h>

#include "forward_dct.h"
#include "huffman_coder.h"

typedef struct fovea_baseline_encoder {
    int width, height, components, restart_interval, avx512;
    int blocks_per_row;
    fovea_divisors divisors[2];
    fovea_huffman_table tables[2];
    int16_t last_dc[3];
    int restarts_to_go, next_restart;
    /// One row of blocks per component, zigzag order.
    int16_t *coefficients;
    /// The row's coded bits before 0xFF bytes are stuffed.
    uint8_t *stream;
    size_t stream_capacity;
    fovea_bit_writer writer;
    /// The file so far (malloc'd).
    uint8_t *file;
    size_t length, capacity;
} fovea_baseline_encoder;

/// Starts a file: allocates and writes the markers up to the scan's. `components` 1 (grey) or
/// 3 (YCbCr), quality 1–100, restart_interval 0–65535 MCUs, `avx512` only where
/// fovea_baseline_avx512_available(). Returns 0, or -1 when out of memory (nothing left
/// allocated).
int fovea_baseline_begin(fovea_baseline_encoder *encoder, int width, int height, int components, int quality,
                         int restart_interval, int avx512);

/// Codes the next row of blocks: 8 rows of each plane, `stride` bytes apart, padded as libjpeg
/// pads (the last column repeated to a whole block); each row readable for `stride` bytes,
/// which is the width rounded up to 32 or more. Returns 0, or -1 when out of memory.
int fovea_baseline_write_rows(fovea_baseline_encoder *encoder, const uint8_t *const planes[3], size_t stride);

/// Ends the file (last bits, EOI) and hands it over: *file is malloc'd. Returns 0 or -1.
int fovea_baseline_finish(fovea_baseline_encoder *encoder, uint8_t **file, size_t *length);

/// Releases what the encoder still holds (after a failure; finish leaves nothing).
void fovea_baseline_release(fovea_baseline_encoder *encoder);

int fovea_baseline_avx512_available(void);

#endif
