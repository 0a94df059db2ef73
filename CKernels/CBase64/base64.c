// Base64 encoding for answer lines: a 273 KB JPEG is 365 KB of base64 on every warm zoom, and
// a scalar encoder (≈ 0.8 GB/s here) spent ≈ 0.35 ms of the daemon's ≈ 1.5 ms per call on it.
#include "CBase64.h"

#include <immintrin.h>

static const char alphabet[64] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t fovea_base64_encoded_length(size_t length) { return (length + 2) / 3 * 4; }

// Whole groups of 3 from `input`, then the padded tail.
static size_t encode_scalar_from(const uint8_t *input, size_t length, char *output) {
    size_t i = 0;
    char *out = output;
    for (; i + 3 <= length; i += 3) {
        uint32_t v = (uint32_t)input[i] << 16 | (uint32_t)input[i + 1] << 8 | input[i + 2];
        out[0] = alphabet[v >> 18];
        out[1] = alphabet[(v >> 12) & 63];
        out[2] = alphabet[(v >> 6) & 63];
        out[3] = alphabet[v & 63];
        out += 4;
    }
    size_t rest = length - i;
    if (rest > 0) {
        uint32_t v = (uint32_t)input[i] << 16 | (rest == 2 ? (uint32_t)input[i + 1] << 8 : 0);
        out[0] = alphabet[v >> 18];
        out[1] = alphabet[(v >> 12) & 63];
        out[2] = rest == 2 ? alphabet[(v >> 6) & 63] : '=';
        out[3] = '=';
        out += 4;
    }
    return (size_t)(out - output);
}

size_t fovea_base64_encode_scalar(const uint8_t *input, size_t length, char *output) {
    return encode_scalar_from(input, length, output);
}

// Each 32-bit lane of the result holds the four 6-bit indices of one group of 3 bytes.
__attribute__((target("avx2"))) static inline __m256i split_into_indices(__m256i in) {
    // Per group [s0 s1 s2] → bytes [s1 s0 s2 s1], in both 128-bit halves (bytes 0..11 of each).
    const __m256i shuffle = _mm256_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10,
                                             1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
    in = _mm256_shuffle_epi8(in, shuffle);
    const __m256i t0 = _mm256_and_si256(in, _mm256_set1_epi32(0x0fc0fc00));
    const __m256i t1 = _mm256_mulhi_epu16(t0, _mm256_set1_epi32(0x04000040));  // indices 0 and 2
    const __m256i t2 = _mm256_and_si256(in, _mm256_set1_epi32(0x003f03f0));
    const __m256i t3 = _mm256_mullo_epi16(t2, _mm256_set1_epi32(0x01000010));  // indices 1 and 3
    return _mm256_or_si256(t1, t3);
}

// Index (0..63) → its character, by adding an offset chosen per range.
__attribute__((target("avx2"))) static inline __m256i indices_to_characters(__m256i indices) {
    // Offsets for: 0..25 'A', 26..51 'a'-26, 52..61 '0'-52, 62 '+'-62, 63 '/'-63.
    const __m256i offsets = _mm256_setr_epi8(65, 71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -19, -16, 0, 0,
                                             65, 71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -19, -16, 0, 0);
    __m256i range = _mm256_subs_epu8(indices, _mm256_set1_epi8(51));     // 0 for 0..51, 1..12 for 52..63
    const __m256i lower = _mm256_cmpgt_epi8(indices, _mm256_set1_epi8(25));  // -1 for 26..63
    range = _mm256_sub_epi8(range, lower);                                  // 0: 'A' range, 1: 'a' range, 2..13
    return _mm256_add_epi8(indices, _mm256_shuffle_epi8(offsets, range));
}

__attribute__((target("avx2"))) static size_t encode_avx2(const uint8_t *input, size_t length, char *output) {
    size_t i = 0;
    char *out = output;
    // Each step reads 28 bytes (two 16-byte loads, 12 apart) and consumes 24.
    for (; i + 28 <= length; i += 24) {
        __m256i in = _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(input + i)));
        in = _mm256_inserti128_si256(in, _mm_loadu_si128((const __m128i *)(input + i + 12)), 1);
        _mm256_storeu_si256((__m256i *)out, indices_to_characters(split_into_indices(in)));
        out += 32;
    }
    return (size_t)(out - output) + encode_scalar_from(input + i, length - i, out);
}

size_t fovea_base64_encode_avx2(const uint8_t *input, size_t length, char *output) {
    return encode_avx2(input, length, output);
}

int fovea_base64_uses_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? 1 : 0;
}

size_t fovea_base64_encode(const uint8_t *input, size_t length, char *output) {
    static int avx2 = -1;  // every thread computes the same value: a relaxed race is harmless
    int uses = __atomic_load_n(&avx2, __ATOMIC_RELAXED);
    if (uses < 0) {
        uses = fovea_base64_uses_avx2();
        __atomic_store_n(&avx2, uses, __ATOMIC_RELAXED);
    }
    return uses ? encode_avx2(input, length, output) : encode_scalar_from(input, length, output);
}
