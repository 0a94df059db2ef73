// The forward DCT and quantisation of Fovea's baseline coder: libjpeg's "islow" integer DCT
// (jfdctint.c, LL&M with 13-bit constants; libjpeg-turbo's SIMD versions give the same
// coefficients) and its quantisation by reciprocal multiplication (jcdctmgr.c), so every
// coefficient is the one libjpeg codes.
#ifndef FOVEA_FORWARD_DCT_H
#define FOVEA_FORWARD_DCT_H

#include <stddef.h>
#include <stdint.h>

/// Quantisation of one table as multiplications (compute_reciprocal): for a DCT output x,
/// |x| → ((|x| + correction) × reciprocal) >> (16 + shift), the sign put back. Natural order.
typedef struct fovea_divisors {
    uint16_t reciprocal[64];
    uint16_t correction[64];
    /// 1 << (16 - shift): the second multiply-high of the SIMD form does the shift.
    uint16_t scale[64];
    uint8_t shift[64];
} fovea_divisors;

/// The divisors for a quantisation table in natural order (values 1…255; the islow DCT's
/// output is 8 times too large, so each is divided by 8 × value).
void fovea_jpeg_divisors(const uint16_t quant[64], fovea_divisors *divisors);

/// Transforms and quantises `blocks` 8×8 blocks side by side: 8 rows of samples `stride` bytes
/// apart, `8 × blocks` samples each. Writes 64 coefficients per block, in zigzag order.
void fovea_fdct_quantize_scalar(const uint8_t *samples, size_t stride, int blocks, const fovea_divisors *divisors,
                                int16_t *coefficients);

/// The same coefficients with AVX-512 (F, BW), four blocks at a time: reads and writes
/// `blocks` rounded up to a multiple of 4 (the extra blocks' coefficients are meaningless).
void fovea_fdct_quantize_avx512(const uint8_t *samples, size_t stride, int blocks, const fovea_divisors *divisors,
                                int16_t *coefficients);

#endif
