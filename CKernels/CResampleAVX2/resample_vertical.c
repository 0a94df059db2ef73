// The vertical pass of FoveaKernels' resample for short windows (`VerticalPass`'s pmulhw kernel,
// Sources/FoveaKernels/ResampleVertical.swift) with AVX2 and AVX-512 (BW): the same integer
// arithmetic on 16 or 32 samples per instruction instead of 8, so the same bytes.
//
// For each output sample s: sum = 16 + count/2 + Σ (rows[i][s] · weights[i]) >> 16, in Int16
// with wrap-around (pmulhw, paddw), then sum >> 5 (psraw) clamped to 0…255 (packuswb).
#include "CResampleAVX2.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2")))
#define AVX2_INLINE static inline __attribute__((target("avx2"), always_inline))
#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))
#define AVX512_INLINE static inline __attribute__((target("avx512f,avx512bw,avx512vl"), always_inline))

// MARK: AVX2

// 32 samples from `at`: two vectors of 16 sums, packed to bytes in order.
AVX2_INLINE void block_avx2(const int16_t *const *rows, const __m256i *k, const long count, __m256i offset, long at,
                            uint8_t *out) {
    __m256i lo = offset, hi = offset;
    for (long i = 0; i < count; i++) {
        lo = _mm256_add_epi16(lo, _mm256_mulhi_epi16(_mm256_loadu_si256((const __m256i *)(rows[i] + at)), k[i]));
        hi = _mm256_add_epi16(hi, _mm256_mulhi_epi16(_mm256_loadu_si256((const __m256i *)(rows[i] + at + 16)), k[i]));
    }
    // packuswb interleaves the two vectors' 128-bit halves: lo0 hi0 lo1 hi1 → lo0 lo1 hi0 hi1.
    const __m256i bytes = _mm256_packus_epi16(_mm256_srai_epi16(lo, 5), _mm256_srai_epi16(hi, 5));
    _mm256_storeu_si256((__m256i *)(out + at), _mm256_permute4x64_epi64(bytes, _MM_SHUFFLE(3, 1, 2, 0)));
}

// Blocks of 32 samples; the last one overlaps the one before it rather than going past the row.
AVX2_INLINE void row_avx2(const int16_t *const *rows, const int16_t *weights, const long count, long samples,
                          uint8_t *out) {
    __m256i k[count];
    for (long i = 0; i < count; i++) k[i] = _mm256_set1_epi16(weights[i]);
    const __m256i offset = _mm256_set1_epi16((int16_t)(16 + count / 2));
    for (long at = 0; at < samples; at += 32) {
        block_avx2(rows, k, count, offset, at + 32 <= samples ? at : samples - 32, out);
    }
}

AVX2 void fovea_resample_vertical_avx2(const int16_t *const *rows, const int16_t *weights, long count,
                                       long samples, uint8_t *out) {
    // A loop for each window up to 6 rows (every upscale, and downscales to about 2/3 with
    // bicubic), its rows unrolled.
    switch (count) {
    case 1: row_avx2(rows, weights, 1, samples, out); break;
    case 2: row_avx2(rows, weights, 2, samples, out); break;
    case 3: row_avx2(rows, weights, 3, samples, out); break;
    case 4: row_avx2(rows, weights, 4, samples, out); break;
    case 5: row_avx2(rows, weights, 5, samples, out); break;
    case 6: row_avx2(rows, weights, 6, samples, out); break;
    default: row_avx2(rows, weights, count, samples, out); break;
    }
}

// MARK: AVX-512

// Up to 64 samples from `at` (the first `valid` of them; the rest are neither read nor written):
// two vectors of 32 sums, packed to bytes in order.
AVX512_INLINE void block_avx512(const int16_t *const *rows, const __m512i *k, const long count, __m512i offset,
                                long at, long valid, uint8_t *out) {
    __m512i lo = offset, hi = offset;
    if (valid >= 64) {
        for (long i = 0; i < count; i++) {
            lo = _mm512_add_epi16(lo, _mm512_mulhi_epi16(_mm512_loadu_si512(rows[i] + at), k[i]));
            hi = _mm512_add_epi16(hi, _mm512_mulhi_epi16(_mm512_loadu_si512(rows[i] + at + 32), k[i]));
        }
    } else {
        const __mmask32 low = valid >= 32 ? ~(__mmask32)0 : (((__mmask32)1 << valid) - 1);
        const __mmask32 high = valid > 32 ? (((__mmask32)1 << (valid - 32)) - 1) : 0;
        for (long i = 0; i < count; i++) {
            lo = _mm512_add_epi16(lo, _mm512_mulhi_epi16(_mm512_maskz_loadu_epi16(low, rows[i] + at), k[i]));
            hi = _mm512_add_epi16(hi, _mm512_mulhi_epi16(_mm512_maskz_loadu_epi16(high, rows[i] + at + 32), k[i]));
        }
    }
    // packuswb interleaves the two vectors' 128-bit lanes: lo0 hi0 lo1 hi1 … → lo0 lo1 lo2 lo3 hi0 ….
    const __m512i bytes = _mm512_packus_epi16(_mm512_srai_epi16(lo, 5), _mm512_srai_epi16(hi, 5));
    const __m512i ordered = _mm512_permutexvar_epi64(_mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7), bytes);
    if (valid >= 64) {
        _mm512_storeu_si512(out + at, ordered);
    } else {
        _mm512_mask_storeu_epi8(out + at, ((__mmask64)1 << valid) - 1, ordered);
    }
}

// Blocks of 64 samples, the last one masked.
AVX512_INLINE void row_avx512(const int16_t *const *rows, const int16_t *weights, const long count, long samples,
                              uint8_t *out) {
    __m512i k[count];
    for (long i = 0; i < count; i++) k[i] = _mm512_set1_epi16(weights[i]);
    const __m512i offset = _mm512_set1_epi16((int16_t)(16 + count / 2));
    long at = 0;
    for (; at + 64 <= samples; at += 64) block_avx512(rows, k, count, offset, at, 64, out);
    if (at < samples) block_avx512(rows, k, count, offset, at, samples - at, out);
}

AVX512 void fovea_resample_vertical_avx512(const int16_t *const *rows, const int16_t *weights, long count,
                                           long samples, uint8_t *out) {
    switch (count) {
    case 1: row_avx512(rows, weights, 1, samples, out); break;
    case 2: row_avx512(rows, weights, 2, samples, out); break;
    case 3: row_avx512(rows, weights, 3, samples, out); break;
    case 4: row_avx512(rows, weights, 4, samples, out); break;
    case 5: row_avx512(rows, weights, 5, samples, out); break;
    case 6: row_avx512(rows, weights, 6, samples, out); break;
    default: row_avx512(rows, weights, count, samples, out); break;
    }
}

#else  // Not x86-64: FoveaKernels never calls these.

#include <stdlib.h>

void fovea_resample_vertical_avx2(const int16_t *const *rows, const int16_t *weights, long count, long samples,
                                  uint8_t *out) {
    abort();
}

void fovea_resample_vertical_avx512(const int16_t *const *rows, const int16_t *weights, long count, long samples,
                                    uint8_t *out) {
    abort();
}

#endif
