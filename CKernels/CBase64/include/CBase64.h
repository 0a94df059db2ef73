#ifndef FOVEA_CBASE64_H
#define FOVEA_CBASE64_H

#include <stddef.h>
#include <stdint.h>

/// Characters `fovea_base64_encode` writes for `length` bytes: 4 per 3, padded with '='.
size_t fovea_base64_encoded_length(size_t length);

/// Standard base64 (RFC 4648 §4, '+' '/', '=' padding, no line breaks) of `length` bytes at
/// `input` into `output`, which holds `fovea_base64_encoded_length(length)` bytes. AVX2 (24
/// bytes → 32 characters per step, Muła and Lemire's method) where the CPU has it, else
/// scalar; the same output either way. Returns the characters written.
size_t fovea_base64_encode(const uint8_t *input, size_t length, char *output);

/// The scalar encoder alone (tests compare the two paths).
size_t fovea_base64_encode_scalar(const uint8_t *input, size_t length, char *output);

/// The AVX2 encoder alone; only on a CPU where `fovea_base64_uses_avx2()` is 1.
size_t fovea_base64_encode_avx2(const uint8_t *input, size_t length, char *output);

/// 1 when `fovea_base64_encode` takes the AVX2 path on this CPU.
int fovea_base64_uses_avx2(void);

#endif
