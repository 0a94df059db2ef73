// The tables of a baseline JPEG as libjpeg writes it with jpeg_set_defaults and
// jpeg_set_quality(quality, force_baseline: TRUE): the JPEG standard's (Annex K) quantisation
// tables scaled by quality, its four Huffman tables, and the zigzag order. Fovea's own coder
// (baseline_encoder.c) writes these into the file and codes with them, so its file is the
// one libjpeg writes (JPEGCoderTests checks every quality).
#ifndef FOVEA_JPEG_TABLES_H
#define FOVEA_JPEG_TABLES_H

#include <stdint.h>

/// natural_order[k]: the natural (row-major) index of the k-th coefficient in zigzag order.
extern const uint8_t fovea_jpeg_natural_order[64];

/// Quantisation table `table` (0 luminance, 1 chrominance) at `quality` (1–100), in natural
/// order: jpeg_quality_scaling and jpeg_add_quant_table with force_baseline (1…255).
void fovea_jpeg_quant_table(int table, int quality, uint16_t values[64]);

/// One of the standard Huffman tables as a DHT segment lists it: counts of codes of each length
/// 1–16, then the symbols in code order.
typedef struct fovea_huffman_spec {
    uint8_t counts[16];
    const uint8_t *symbols;
} fovea_huffman_spec;

/// The standard tables: [0] luminance, [1] chrominance.
extern const fovea_huffman_spec fovea_jpeg_dc_spec[2], fovea_jpeg_ac_spec[2];

/// A table's code and length for each symbol (length 0: no code), as jpeg_make_c_derived_tbl
/// derives them.
typedef struct fovea_huffman_codes {
    uint16_t code[256];
    uint8_t length[256];
} fovea_huffman_codes;

void fovea_jpeg_derive_codes(const fovea_huffman_spec *spec, fovea_huffman_codes *codes);

#endif
