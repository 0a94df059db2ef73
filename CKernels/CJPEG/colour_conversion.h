// RGB → YCbCr conversions of jpeg.c's raw-data path (not part of the module's public header).
#ifndef FOVEA_JPEG_COLOUR_CONVERSION_H
#define FOVEA_JPEG_COLOUR_CONVERSION_H

#include <stdint.h>

/// Converts `width` interleaved RGB pixels into one row of each plane, as libjpeg's
/// rgb_ycc_convert does.
void fovea_rgb_to_ycc_scalar(const uint8_t *rgb, int width, uint8_t *y, uint8_t *cb, uint8_t *cr);

/// The same bytes with AVX-512 (F, BW, VBMI, VNNI); writes each plane up to the next multiple of 16
/// samples. Only where fovea_rgb_to_ycc_avx512_available() says so.
void fovea_rgb_to_ycc_avx512(const uint8_t *rgb, int width, uint8_t *y, uint8_t *cb, uint8_t *cr);
int fovea_rgb_to_ycc_avx512_available(void);

#endif
