// RGB → YCbCr for the encoder's raw-data path (jpeg.c): the arithmetic of libjpeg's
// rgb_ycc_convert (jccolor.c, 16 fraction bits), whose SIMD versions give the same bytes, so the
// JPEG is the file libjpeg writes when it converts itself (JPEGColourConversionTests).
//
//   Y  = ( 19595 R + 38470 G +  7471 B + 32768)             >> 16
//   Cb = (-11059 R - 21709 G + 32768 B + (128 << 16) + 32767) >> 16
//   Cr = ( 32768 R - 27439 G -  5329 B + (128 << 16) + 32767) >> 16
//
// Every sum is positive and every result 0…255, so neither the shift nor the narrowing needs a
// clamp.
#include "colour_conversion.h"

enum {
    Y_R = 19595, Y_G = 38470, Y_B = 7471, Y_ROUND = 32768,
    CB_R = -11059, CB_G = -21709, CB_B = 32768,
    CR_R = 32768, CR_G = -27439, CR_B = -5329,
    CHROMA_ROUND = (128 << 16) + 32767,
};

void fovea_rgb_to_ycc_scalar(const uint8_t *rgb, int width, uint8_t *y, uint8_t *cb, uint8_t *cr) {
    for (int x = 0; x < width; x++, rgb += 3) {
        const int32_t r = rgb[0], g = rgb[1], b = rgb[2];
        y[x] = (uint8_t)((Y_R * r + Y_G * g + Y_B * b + Y_ROUND) >> 16);
        cb[x] = (uint8_t)((CB_R * r + CB_G * g + CB_B * b + CHROMA_ROUND) >> 16);
        cr[x] = (uint8_t)((CR_R * r + CR_G * g + CR_B * b + CHROMA_ROUND) >> 16);
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vbmi,avx512vnni")))

int fovea_rgb_to_ycc_avx512_available(void) {
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("avx512vnni");
}

// Two Int16 weights per 32-bit lane, for vpdpwssd against word pairs (first, second).
#define PAIR(first, second) _mm512_set1_epi32((int32_t)(((uint32_t)(uint16_t)(second) << 16) | (uint16_t)(first)))

typedef struct {
    __m512i to_rg, to_gb, to_br, y_rg, y_gb, cb_gb, cb_br, cr_rg, cr_br;
} weights_avx512;

// 16 pixels, the 48 bytes of `v`. vpermb spreads them into word pairs (R, G), (G, B) and
// (B, R), zero extended, and vpdpwssd adds two pairs' weighted sums to the rounding constant
// in 32 bits. Weights past Int16 are split across two pairs: 38470 G as 19235 + 19235, 32768 B
// and 32768 R as 16384 + 16384. Whole 16-byte stores: the planes' rows have room up to the
// next multiple of 16.
static inline AVX512 __attribute__((always_inline)) void convert16(__m512i v, const weights_avx512 *w, uint8_t *y,
                                                                   uint8_t *cb, uint8_t *cr) {
    const __m512i rg = _mm512_permutexvar_epi8(w->to_rg, v), gb = _mm512_permutexvar_epi8(w->to_gb, v),
                  br = _mm512_permutexvar_epi8(w->to_br, v);
    const __m512i luma = _mm512_dpwssd_epi32(_mm512_dpwssd_epi32(_mm512_set1_epi32(Y_ROUND), rg, w->y_rg), gb, w->y_gb);
    const __m512i blue = _mm512_dpwssd_epi32(_mm512_dpwssd_epi32(_mm512_set1_epi32(CHROMA_ROUND), gb, w->cb_gb), br, w->cb_br);
    const __m512i red = _mm512_dpwssd_epi32(_mm512_dpwssd_epi32(_mm512_set1_epi32(CHROMA_ROUND), rg, w->cr_rg), br, w->cr_br);
    _mm_storeu_si128((__m128i *)y, _mm512_cvtepi32_epi8(_mm512_srli_epi32(luma, 16)));
    _mm_storeu_si128((__m128i *)cb, _mm512_cvtepi32_epi8(_mm512_srli_epi32(blue, 16)));
    _mm_storeu_si128((__m128i *)cr, _mm512_cvtepi32_epi8(_mm512_srli_epi32(red, 16)));
}

// vpermb indices: word i of a pair vector is (byte `first` + 3i, byte `second` + 3i) of the 48
// bytes, each zero extended by byte 63, which the loads leave zero.
#define PIXEL(i, first, second) 3 * (i) + (first), 63, 3 * (i) + (second), 63
#define PAIRS(first, second)                                                                                        \
    {PIXEL(0, first, second),  PIXEL(1, first, second),  PIXEL(2, first, second),  PIXEL(3, first, second),          \
     PIXEL(4, first, second),  PIXEL(5, first, second),  PIXEL(6, first, second),  PIXEL(7, first, second),          \
     PIXEL(8, first, second),  PIXEL(9, first, second),  PIXEL(10, first, second), PIXEL(11, first, second),         \
     PIXEL(12, first, second), PIXEL(13, first, second), PIXEL(14, first, second), PIXEL(15, first, second)}
static const uint8_t rg_index[64] = PAIRS(0, 1), gb_index[64] = PAIRS(1, 2), br_index[64] = PAIRS(2, 0);

AVX512 void fovea_rgb_to_ycc_avx512(const uint8_t *rgb, int width, uint8_t *y, uint8_t *cb, uint8_t *cr) {
    const weights_avx512 weights = {
        .to_rg = _mm512_loadu_si512(rg_index), .to_gb = _mm512_loadu_si512(gb_index), .to_br = _mm512_loadu_si512(br_index),
        .y_rg = PAIR(Y_R, Y_G / 2), .y_gb = PAIR(Y_G / 2, Y_B),
        .cb_gb = PAIR(CB_G, CB_B / 2), .cb_br = PAIR(CB_B / 2, CB_R),
        .cr_rg = PAIR(CR_R / 2, CR_G), .cr_br = PAIR(CR_B, CR_R / 2),
    };
    int x = 0;
    for (; x + 16 <= width; x += 16) {
        convert16(_mm512_maskz_loadu_epi8(0xFFFFFFFFFFFFull, rgb + 3 * x), &weights, y + x, cb + x, cr + x);
    }
    // Masked off bytes are neither read nor faulted on: the last step stops at the row's end.
    if (x < width) convert16(_mm512_maskz_loadu_epi8((1ull << (3 * (width - x))) - 1, rgb + 3 * x), &weights, y + x, cb + x, cr + x);
}

#else

int fovea_rgb_to_ycc_avx512_available(void) { return 0; }

void fovea_rgb_to_ycc_avx512(const uint8_t *rgb, int width, uint8_t *y, uint8_t *cb, uint8_t *cr) {
    (void)rgb, (void)width, (void)y, (void)cb, (void)cr;
    __builtin_trap();
}

#endif
