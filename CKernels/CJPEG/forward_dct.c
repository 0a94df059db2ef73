#include "forward_dct.h"
#include "jpeg_tables.h"

// jfdctint.c's constants: FIX(x) = round(x × 2^13).
enum {
    CONST_BITS = 13,
    PASS1_BITS = 2,
    F0298 = 2446, F0390 = 3196, F0541 = 4433, F0765 = 6270, F0899 = 7373, F1175 = 9633,
    F1501 = 12299, F1847 = 15137, F1961 = 16069, F2053 = 16819, F2562 = 20995, F3072 = 25172,
};

// compute_reciprocal (jcdctmgr.c) for divisor = 8 × value, which is never below 8.
void fovea_jpeg_divisors(const uint16_t quant[64], fovea_divisors *divisors) {
    for (int i = 0; i < 64; i++) {
        const uint32_t divisor = (uint32_t)quant[i] << 3;
        int r = 16 + (31 - __builtin_clz(divisor));
        uint32_t reciprocal = (1u << r) / divisor;
        const uint32_t remainder = (1u << r) % divisor;
        uint32_t correction = divisor / 2;
        if (remainder == 0) {
            reciprocal >>= 1;
            r--;
        } else if (remainder <= divisor / 2) {
            correction++;
        } else {
            reciprocal++;
        }
        divisors->reciprocal[i] = (uint16_t)reciprocal;
        divisors->correction[i] = (uint16_t)correction;
        divisors->scale[i] = (uint16_t)(1u << (32 - r));
        divisors->shift[i] = (uint8_t)(r - 16);
    }
}

// MARK: - Scalar: jfdctint.c's two passes, 32-bit arithmetic, 16-bit storage between them

static inline int32_t descale(int32_t x, int n) { return (x + (1 << (n - 1))) >> n; }

// One 1-D pass over 8 values `step` apart. Pass 1 (rows) keeps PASS1_BITS more bits; pass 2
// (columns) removes them, leaving the output 8 times the true DCT's.
static void dct_1d(int16_t *d, int step, int pass) {
    const int32_t tmp0 = d[0] + d[7 * step], tmp7 = d[0] - d[7 * step];
    const int32_t tmp1 = d[step] + d[6 * step], tmp6 = d[step] - d[6 * step];
    const int32_t tmp2 = d[2 * step] + d[5 * step], tmp5 = d[2 * step] - d[5 * step];
    const int32_t tmp3 = d[3 * step] + d[4 * step], tmp4 = d[3 * step] - d[4 * step];
    const int32_t tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;
    const int n = pass == 1 ? CONST_BITS - PASS1_BITS : CONST_BITS + PASS1_BITS;
    if (pass == 1) {
        d[0] = (int16_t)((tmp10 + tmp11) * (1 << PASS1_BITS));
        d[4 * step] = (int16_t)((tmp10 - tmp11) * (1 << PASS1_BITS));
    } else {
        d[0] = (int16_t)descale(tmp10 + tmp11, PASS1_BITS);
        d[4 * step] = (int16_t)descale(tmp10 - tmp11, PASS1_BITS);
    }
    const int32_t z1e = (tmp12 + tmp13) * F0541;
    d[2 * step] = (int16_t)descale(z1e + tmp13 * F0765, n);
    d[6 * step] = (int16_t)descale(z1e - tmp12 * F1847, n);

    const int32_t z5 = (tmp4 + tmp6 + tmp5 + tmp7) * F1175;
    const int32_t z1 = (tmp4 + tmp7) * -F0899, z2 = (tmp5 + tmp6) * -F2562;
    const int32_t z3 = (tmp4 + tmp6) * -F1961 + z5, z4 = (tmp5 + tmp7) * -F0390 + z5;
    d[7 * step] = (int16_t)descale(tmp4 * F0298 + z1 + z3, n);
    d[5 * step] = (int16_t)descale(tmp5 * F2053 + z2 + z4, n);
    d[3 * step] = (int16_t)descale(tmp6 * F3072 + z2 + z3, n);
    d[step] = (int16_t)descale(tmp7 * F1501 + z1 + z4, n);
}

static int16_t quantize(int16_t x, const fovea_divisors *d, int i) {
    const uint32_t magnitude = (uint32_t)(x < 0 ? -x : x);
    const int16_t q = (int16_t)(((magnitude + d->correction[i]) * d->reciprocal[i]) >> (16 + d->shift[i]));
    return x < 0 ? (int16_t)-q : q;
}

void fovea_fdct_quantize_scalar(const uint8_t *samples, size_t stride, int blocks, const fovea_divisors *divisors,
                                int16_t *coefficients) {
    for (int b = 0; b < blocks; b++, coefficients += 64) {
        int16_t data[64];
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) data[y * 8 + x] = (int16_t)(samples[(size_t)y * stride + 8 * b + x] - 128);
        }
        for (int y = 0; y < 8; y++) dct_1d(data + 8 * y, 1, 1);
        for (int x = 0; x < 8; x++) dct_1d(data + x, 8, 2);
        for (int k = 0; k < 64; k++) {
            const int i = fovea_jpeg_natural_order[k];
            coefficients[k] = quantize(data[i], divisors, i);
        }
    }
}

// MARK: - AVX-512: four blocks at a time, one per 128-bit lane

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f,avx512bw")))
#define INLINE static inline __attribute__((always_inline))

// Transposes, inside each 128-bit lane, the 8×8 matrix of 16-bit values whose row i is lane's
// part of r[i] (libjpeg-turbo's SIMD DCTs do the same with unpacks).
INLINE AVX512 void transpose(__m512i r[8]) {
    const __m512i t0 = _mm512_unpacklo_epi16(r[0], r[1]), t1 = _mm512_unpackhi_epi16(r[0], r[1]);
    const __m512i t2 = _mm512_unpacklo_epi16(r[2], r[3]), t3 = _mm512_unpackhi_epi16(r[2], r[3]);
    const __m512i t4 = _mm512_unpacklo_epi16(r[4], r[5]), t5 = _mm512_unpackhi_epi16(r[4], r[5]);
    const __m512i t6 = _mm512_unpacklo_epi16(r[6], r[7]), t7 = _mm512_unpackhi_epi16(r[6], r[7]);
    const __m512i s0 = _mm512_unpacklo_epi32(t0, t2), s1 = _mm512_unpackhi_epi32(t0, t2);
    const __m512i s2 = _mm512_unpacklo_epi32(t1, t3), s3 = _mm512_unpackhi_epi32(t1, t3);
    const __m512i s4 = _mm512_unpacklo_epi32(t4, t6), s5 = _mm512_unpackhi_epi32(t4, t6);
    const __m512i s6 = _mm512_unpacklo_epi32(t5, t7), s7 = _mm512_unpackhi_epi32(t5, t7);
    r[0] = _mm512_unpacklo_epi64(s0, s4), r[1] = _mm512_unpackhi_epi64(s0, s4);
    r[2] = _mm512_unpacklo_epi64(s1, s5), r[3] = _mm512_unpackhi_epi64(s1, s5);
    r[4] = _mm512_unpacklo_epi64(s2, s6), r[5] = _mm512_unpackhi_epi64(s2, s6);
    r[6] = _mm512_unpacklo_epi64(s3, s7), r[7] = _mm512_unpackhi_epi64(s3, s7);
}

// a × wa + b × wb in 32 bits, for the 16-bit lanes of a and b (vpmaddwd on interleaved pairs):
// [0] the first four of each 128-bit lane, [1] the last four.
typedef struct {
    __m512i low, high;
} wide;

#define WEIGHTS(wa, wb) _mm512_set1_epi32((int32_t)(((uint32_t)(uint16_t)(int16_t)(wb) << 16) | (uint16_t)(int16_t)(wa)))

INLINE AVX512 wide weigh(__m512i a, __m512i b, __m512i weights) {
    return (wide){_mm512_madd_epi16(_mm512_unpacklo_epi16(a, b), weights),
                  _mm512_madd_epi16(_mm512_unpackhi_epi16(a, b), weights)};
}

INLINE AVX512 wide add(wide a, wide b) {
    return (wide){_mm512_add_epi32(a.low, b.low), _mm512_add_epi32(a.high, b.high)};
}

// descale(x, n), packed back to 16 bits in the original order.
INLINE AVX512 __m512i narrow(wide x, int n) {
    const __m512i round = _mm512_set1_epi32(1 << (n - 1));
    return _mm512_packs_epi32(_mm512_srai_epi32(_mm512_add_epi32(x.low, round), n),
                              _mm512_srai_epi32(_mm512_add_epi32(x.high, round), n));
}

// dct_1d on every 16-bit lane: d[k] holds element k of 32 rows (pass 1) or columns (pass 2).
// Products are formed in pairs (vpmaddwd), so no sum of two products' inputs is ever
// narrowed to 16 bits; integer sums are exact, so the results are the scalar pass's.
INLINE AVX512 void dct_pass(__m512i d[8], int pass) {
    const __m512i tmp0 = _mm512_add_epi16(d[0], d[7]), tmp7 = _mm512_sub_epi16(d[0], d[7]);
    const __m512i tmp1 = _mm512_add_epi16(d[1], d[6]), tmp6 = _mm512_sub_epi16(d[1], d[6]);
    const __m512i tmp2 = _mm512_add_epi16(d[2], d[5]), tmp5 = _mm512_sub_epi16(d[2], d[5]);
    const __m512i tmp3 = _mm512_add_epi16(d[3], d[4]), tmp4 = _mm512_sub_epi16(d[3], d[4]);
    const __m512i tmp10 = _mm512_add_epi16(tmp0, tmp3), tmp13 = _mm512_sub_epi16(tmp0, tmp3);
    const __m512i tmp11 = _mm512_add_epi16(tmp1, tmp2), tmp12 = _mm512_sub_epi16(tmp1, tmp2);
    const int n = pass == 1 ? CONST_BITS - PASS1_BITS : CONST_BITS + PASS1_BITS;
    if (pass == 1) {
        d[0] = _mm512_slli_epi16(_mm512_add_epi16(tmp10, tmp11), PASS1_BITS);
        d[4] = _mm512_slli_epi16(_mm512_sub_epi16(tmp10, tmp11), PASS1_BITS);
    } else {
        const __m512i round = _mm512_set1_epi16(1 << (PASS1_BITS - 1));
        d[0] = _mm512_srai_epi16(_mm512_add_epi16(_mm512_add_epi16(tmp10, tmp11), round), PASS1_BITS);
        d[4] = _mm512_srai_epi16(_mm512_add_epi16(_mm512_sub_epi16(tmp10, tmp11), round), PASS1_BITS);
    }
    d[2] = narrow(weigh(tmp13, tmp12, WEIGHTS(F0541 + F0765, F0541)), n);
    d[6] = narrow(weigh(tmp13, tmp12, WEIGHTS(F0541, F0541 - F1847)), n);

    const __m512i z3 = _mm512_add_epi16(tmp4, tmp6), z4 = _mm512_add_epi16(tmp5, tmp7);
    // z3 × -c(1.961) + z5 and z4 × -c(0.390) + z5, with z5 = (z3 + z4) × c(1.175).
    const wide z3z5 = weigh(z3, z4, WEIGHTS(F1175 - F1961, F1175));
    const wide z4z5 = weigh(z3, z4, WEIGHTS(F1175, F1175 - F0390));
    d[7] = narrow(add(weigh(tmp4, tmp7, WEIGHTS(F0298 - F0899, -F0899)), z3z5), n);
    d[1] = narrow(add(weigh(tmp4, tmp7, WEIGHTS(-F0899, F1501 - F0899)), z4z5), n);
    d[5] = narrow(add(weigh(tmp5, tmp6, WEIGHTS(F2053 - F2562, -F2562)), z4z5), n);
    d[3] = narrow(add(weigh(tmp5, tmp6, WEIGHTS(-F2562, F3072 - F2562)), z3z5), n);
}

AVX512 void fovea_fdct_quantize_avx512(const uint8_t *samples, size_t stride, int blocks, const fovea_divisors *divisors,
                                       int16_t *coefficients) {
    __m512i reciprocal[8], correction[8], scale[8];
    for (int i = 0; i < 8; i++) {
        reciprocal[i] = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(divisors->reciprocal + 8 * i)));
        correction[i] = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(divisors->correction + 8 * i)));
        scale[i] = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(divisors->scale + 8 * i)));
    }
    // vpermt2w indices into a block's rows 0–3 and 4–7 (two registers): the natural order,
    // widened to words.
    const __m512i to_zigzag_low = _mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)fovea_jpeg_natural_order));
    const __m512i to_zigzag_high = _mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)(fovea_jpeg_natural_order + 32)));
    const __m512i centre = _mm512_set1_epi16(128);

    for (int b = 0; b < blocks; b += 4, coefficients += 4 * 64) {
        // Row y of four blocks: 32 samples, centred on 0 as libjpeg's convsamp does.
        __m512i d[8];
        for (int y = 0; y < 8; y++) {
            const __m256i row = _mm256_loadu_si256((const __m256i *)(samples + (size_t)y * stride + 8 * (size_t)b));
            d[y] = _mm512_sub_epi16(_mm512_cvtepu8_epi16(row), centre);
        }
        transpose(d);  // d[x]: column x of each block's rows
        dct_pass(d, 1);
        transpose(d);  // d[y]: row y of each block's columns
        dct_pass(d, 2);
        // d[y]: row y of the coefficients, one block per 128-bit lane. Quantised: |x| plus the
        // correction, two multiplications keeping the high half, the sign put back.
        for (int y = 0; y < 8; y++) {
            __m512i q = _mm512_add_epi16(_mm512_abs_epi16(d[y]), correction[y]);
            q = _mm512_mulhi_epu16(_mm512_mulhi_epu16(q, reciprocal[y]), scale[y]);
            d[y] = _mm512_mask_sub_epi16(q, _mm512_movepi16_mask(d[y]), _mm512_setzero_si512(), q);
        }
        // Lane k of rows 0–3 and of rows 4–7 into block k's two registers (a 4×4 transpose of
        // 128-bit lanes), then zigzag order.
        for (int half = 0; half < 2; half++) {
            const __m512i *r = d + 4 * half;
            const __m512i a = _mm512_shuffle_i64x2(r[0], r[1], 0x44), c = _mm512_shuffle_i64x2(r[2], r[3], 0x44);
            const __m512i e = _mm512_shuffle_i64x2(r[0], r[1], 0xEE), g = _mm512_shuffle_i64x2(r[2], r[3], 0xEE);
            d[4 * half + 0] = _mm512_shuffle_i64x2(a, c, 0x88);
            d[4 * half + 1] = _mm512_shuffle_i64x2(a, c, 0xDD);
            d[4 * half + 2] = _mm512_shuffle_i64x2(e, g, 0x88);
            d[4 * half + 3] = _mm512_shuffle_i64x2(e, g, 0xDD);
        }
        for (int k = 0; k < 4; k++) {
            _mm512_storeu_si512(coefficients + 64 * k, _mm512_permutex2var_epi16(d[k], to_zigzag_low, d[4 + k]));
            _mm512_storeu_si512(coefficients + 64 * k + 32, _mm512_permutex2var_epi16(d[k], to_zigzag_high, d[4 + k]));
        }
    }
}

#else

void fovea_fdct_quantize_avx512(const uint8_t *samples, size_t stride, int blocks, const fovea_divisors *divisors,
                                int16_t *coefficients) {
    (void)samples, (void)stride, (void)blocks, (void)divisors, (void)coefficients;
    __builtin_trap();
}

#endif
