#include "CJPEG.h"
#include "baseline_encoder.h"
#include "colour_conversion.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

// MARK: - Errors: longjmp back into fovea_jpeg_encode, never past it

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
} error_manager;

static void error_exit(j_common_ptr cinfo) {
    longjmp(((error_manager *)cinfo->err)->jump, 1);
}

// Warnings and trace messages: a worker has no stderr (and libjpeg's default would write to it).
static void emit_message(j_common_ptr cinfo, int level) {
    (void)cinfo;
    (void)level;
}

// MARK: - Destination: one growing malloc'd buffer

typedef struct {
    struct jpeg_destination_mgr base;
    JOCTET *buffer;
    size_t capacity;
} destination;

static void init_destination(j_compress_ptr cinfo) {
    destination *d = (destination *)cinfo->dest;
    d->base.next_output_byte = d->buffer;
    d->base.free_in_buffer = d->capacity;
}

// Called when the buffer is full: double it (realloc keeps the bytes written so far).
static boolean empty_output_buffer(j_compress_ptr cinfo) {
    destination *d = (destination *)cinfo->dest;
    size_t grown = d->capacity * 2;
    JOCTET *bigger = grown > d->capacity ? realloc(d->buffer, grown) : NULL;
    if (bigger == NULL) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 99);
    d->base.next_output_byte = bigger + d->capacity;
    d->base.free_in_buffer = grown - d->capacity;
    d->buffer = bigger;
    d->capacity = grown;
    return TRUE;
}

static void term_destination(j_compress_ptr cinfo) { (void)cinfo; }

// MARK: - Alpha: vips_flatten(background 255, max_alpha 255) on 8-bit samples

// out = (v * alpha + 255 * (255 - alpha)) / 255.0, truncated: libvips computes in double and
// assigns to unsigned char; the numerator is an integer, so this is integer division.
static void flatten_rows(const uint8_t *pixels, size_t stride, int width, int bands, int rows,
                         uint8_t *out) {
    int colours = bands - 1;
    for (int y = 0; y < rows; y++) {
        const uint8_t *p = pixels + (size_t)y * stride;
        uint8_t *q = out + (size_t)y * width * colours;
        for (int x = 0; x < width; x++, p += bands, q += colours) {
            unsigned alpha = p[colours];
            unsigned white = 255u * (255u - alpha);
            for (int b = 0; b < colours; b++) q[b] = (uint8_t)((p[b] * alpha + white) / 255u);
        }
    }
}

// MARK: - Colour conversion before libjpeg (raw data in)

int fovea_jpeg_conversion_available(fovea_jpeg_conversion conversion) {
    switch (conversion) {
    case FOVEA_JPEG_CONVERT_AUTOMATIC:
    case FOVEA_JPEG_CONVERT_LIBJPEG:
    case FOVEA_JPEG_CONVERT_SCALAR: return 1;
    case FOVEA_JPEG_CONVERT_AVX512: return fovea_rgb_to_ycc_avx512_available();
    }
    return 0;
}

typedef void (*row_converter)(const uint8_t *rgb, int width, uint8_t *y, uint8_t *cb, uint8_t *cr);

// Fovea's row conversion for `conversion`; NULL for libjpeg's, AUTOMATIC, or one the CPU lacks.
static row_converter converter_for(fovea_jpeg_conversion conversion) {
    if (!fovea_jpeg_conversion_available(conversion)) return NULL;
    switch (conversion) {
    case FOVEA_JPEG_CONVERT_SCALAR: return fovea_rgb_to_ycc_scalar;
    case FOVEA_JPEG_CONVERT_AVX512: return fovea_rgb_to_ycc_avx512;
    default: return NULL;
    }
}

int fovea_jpeg_convert_row(fovea_jpeg_conversion conversion, const uint8_t *rgb, int width, uint8_t *y,
                           uint8_t *cb, uint8_t *cr) {
    const row_converter convert = converter_for(conversion);
    if (width < 1 || convert == NULL) return -1;
    convert(rgb, width, y, cb, cr);
    return 0;
}

// The conversion a colour encode uses: never AUTOMATIC. (__builtin_cpu_supports reads what the
// CPU reported at start-up: no need to remember the answer.)
static fovea_jpeg_conversion resolve(fovea_jpeg_conversion conversion) {
    if (conversion != FOVEA_JPEG_CONVERT_AUTOMATIC) return conversion;
    return fovea_rgb_to_ycc_avx512_available() ? FOVEA_JPEG_CONVERT_AVX512 : FOVEA_JPEG_CONVERT_LIBJPEG;
}

// The message of every allocation failure; returns the failure status.
static int no_memory(char *message, int width, int height) {
    snprintf(message, FOVEA_JPEG_MESSAGE_CAPACITY, "no memory for a %dx%d JPEG", width, height);
    return -1;
}

// Rows of one plane: the image's width rounded up to 32 (the AVX-512 conversion's stores, four
// blocks of Fovea's AVX-512 DCT), which covers the width in whole 8×8 blocks that
// jpeg_write_raw_data reads.
static size_t plane_stride(int width) { return ((size_t)width + 31) / 32 * 32; }

// Where an image's rows come from, and what turns them into planes.
typedef struct {
    const uint8_t *pixels;
    size_t stride;
    int width, height, bands, components;
    /// Colour only; grey rows are copied.
    row_converter convert;
    /// Room for 8 flattened rows when the image has alpha, else NULL.
    uint8_t *flat;
    /// 8 rows of each component's plane, plane_stride(width) apart.
    uint8_t *planes;
} plane_source;

// Fills the planes with the image's rows top…top + 7 and points rows[c][i] at row i of plane c:
// what libjpeg's own path hands the DCT after converting (rgb_ycc_convert), copying each plane
// (fullsize_downsample) and padding — the last column repeated to a whole block
// (expand_right_edge), the last row copied to a whole row of blocks (expand_bottom_edge). The same
// samples in, so the same file out, without the copy and with a faster conversion.
static void fill_planes(const plane_source *s, int top, uint8_t *rows[3][8]) {
    const size_t plane_rows = plane_stride(s->width);
    const int padded = (s->width + 7) / 8 * 8;
    const int count = s->height - top < 8 ? s->height - top : 8;
    const uint8_t *first = s->pixels + (size_t)top * s->stride;
    size_t source_stride = s->stride;
    if (s->flat != NULL) {
        flatten_rows(first, s->stride, s->width, s->bands, count, s->flat);
        first = s->flat;
        source_stride = (size_t)s->width * s->components;
    }
    for (int i = 0; i < 8; i++) {
        uint8_t *row[3];
        for (int c = 0; c < s->components; c++) row[c] = s->planes + ((size_t)c * 8 + i) * plane_rows;
        if (i >= count) {
            for (int c = 0; c < s->components; c++) memcpy(row[c], row[c] - plane_rows, plane_rows);
        } else {
            const uint8_t *pixels = first + (size_t)i * source_stride;
            if (s->components == 3) {
                s->convert(pixels, s->width, row[0], row[1], row[2]);
            } else {
                memcpy(row[0], pixels, (size_t)s->width);
            }
            for (int c = 0; c < s->components; c++) memset(row[c] + s->width, row[c][s->width - 1], (size_t)(padded - s->width));
        }
        for (int c = 0; c < s->components; c++) rows[c][i] = row[c];
    }
}

// Gives libjpeg the image 8 rows (one row of blocks) at a time as Y, Cb and Cr planes.
static void write_raw(j_compress_ptr cinfo, const plane_source *source) {
    uint8_t *rows[3][8];
    JSAMPARRAY data[3] = {rows[0], rows[1], rows[2]};
    for (int top = 0; top < source->height; top += 8) {
        fill_planes(source, top, rows);
        // Takes all 8 rows (no suspending destination); rows past the image repeat its last.
        jpeg_write_raw_data(cinfo, data, 8);
    }
}

// MARK: - Fovea's coder

int fovea_jpeg_coder_available(fovea_jpeg_coder coder) {
    switch (coder) {
    case FOVEA_JPEG_CODER_AUTOMATIC:
    case FOVEA_JPEG_CODER_LIBJPEG:
    case FOVEA_JPEG_CODER_SCALAR: return 1;
    case FOVEA_JPEG_CODER_AVX512: return fovea_baseline_avx512_available();
    }
    return 0;
}

// The coder an encode uses: never AUTOMATIC.
static fovea_jpeg_coder resolve_coder(fovea_jpeg_settings settings) {
    if (settings.coder != FOVEA_JPEG_CODER_AUTOMATIC) return settings.coder;
    if (settings.conversion == FOVEA_JPEG_CONVERT_LIBJPEG) return FOVEA_JPEG_CODER_LIBJPEG;
    const int baseline = !settings.progressive && !settings.optimize_coding;
    return baseline && fovea_baseline_avx512_available() ? FOVEA_JPEG_CODER_AVX512 : FOVEA_JPEG_CODER_LIBJPEG;
}

// The whole file through baseline_encoder.c, from the planes libjpeg would have been given.
static int encode_with_fovea(const plane_source *source, fovea_jpeg_settings settings, int avx512, uint8_t **output,
                             size_t *length, char *message) {
    fovea_baseline_encoder encoder;
    if (fovea_baseline_begin(&encoder, source->width, source->height, source->components, settings.quality,
                             settings.restart_interval, avx512) != 0) {
        return no_memory(message, source->width, source->height);
    }
    uint8_t *rows[3][8];
    for (int top = 0; top < source->height; top += 8) {
        fill_planes(source, top, rows);
        const uint8_t *const planes[3] = {rows[0][0], source->components == 3 ? rows[1][0] : NULL,
                                          source->components == 3 ? rows[2][0] : NULL};
        if (fovea_baseline_write_rows(&encoder, planes, plane_stride(source->width)) != 0) {
            fovea_baseline_release(&encoder);
            return no_memory(message, source->width, source->height);
        }
    }
    if (fovea_baseline_finish(&encoder, output, length) != 0) {
        fovea_baseline_release(&encoder);
        return no_memory(message, source->width, source->height);
    }
    return 0;
}

// MARK: - Encode

// Rows handed to libjpeg per call when it converts: two MCU rows of 8 (4:4:4); libjpeg takes
// them in place.
enum { ROWS_PER_WRITE = 16 };

// Gives libjpeg the image as rows of interleaved samples, ROWS_PER_WRITE at a time; it converts
// colour to YCbCr itself.
static void write_scanlines(j_compress_ptr cinfo, const uint8_t *pixels, size_t stride, int width, int height,
                            int bands, int components, uint8_t *flat) {
    JSAMPROW rows[ROWS_PER_WRITE];
    while (cinfo->next_scanline < cinfo->image_height) {
        int top = (int)cinfo->next_scanline;
        int count = height - top < ROWS_PER_WRITE ? height - top : ROWS_PER_WRITE;
        const uint8_t *first = pixels + (size_t)top * stride;
        if (flat != NULL) {
            flatten_rows(first, stride, width, bands, count, flat);
            for (int i = 0; i < count; i++) rows[i] = flat + (size_t)i * width * components;
        } else {
            for (int i = 0; i < count; i++) rows[i] = (JSAMPROW)(first + (size_t)i * stride);
        }
        // Takes every row given (no suspending destination), so next_scanline advances by count.
        jpeg_write_scanlines(cinfo, rows, (JDIMENSION)count);
    }
}

// The whole file through libjpeg: it converts (convert NULL, or grey) or takes the planes.
static int encode_with_libjpeg(const uint8_t *pixels, size_t stride, int width, int height, int bands, int components,
                               fovea_jpeg_settings settings, row_converter convert, uint8_t **output, size_t *length,
                               char *message) {
    const int raw = convert != NULL;
    // Both buffers and the destination exist before setjmp: after it this function changes none
    // of the locals the clean-up reads (libjpeg changes cinfo and dest only through pointers),
    // so none needs to be volatile.
    destination dest;
    // A q95 4:4:4 photo compresses to about a tenth of its samples; start at a quarter (never
    // below 16 KiB) so most files need no growth; pages never written are never touched.
    dest.capacity = (size_t)width * height * components / 4 + 16384;
    dest.buffer = malloc(dest.capacity);
    dest.base.init_destination = init_destination;
    dest.base.empty_output_buffer = empty_output_buffer;
    dest.base.term_destination = term_destination;
    uint8_t *flat = components == bands ? NULL : malloc((size_t)width * components * ROWS_PER_WRITE);
    // Raw data in: 8 rows of each of the 3 planes.
    uint8_t *planes = raw ? calloc(3 * 8, plane_stride(width)) : NULL;
    if (dest.buffer == NULL || (components != bands && flat == NULL) || (raw && planes == NULL)) {
        free(dest.buffer);
        free(flat);
        free(planes);
        return no_memory(message, width, height);
    }

    struct jpeg_compress_struct cinfo;
    error_manager errors;
    cinfo.err = jpeg_std_error(&errors.base);
    errors.base.error_exit = error_exit;
    errors.base.emit_message = emit_message;
    if (setjmp(errors.jump)) {
        (*cinfo.err->format_message)((j_common_ptr)&cinfo, message);
        jpeg_destroy_compress(&cinfo);
        free(flat);
        free(planes);
        free(dest.buffer);
        return -1;
    }
    jpeg_create_compress(&cinfo);
    cinfo.dest = &dest.base;

    // The order of libvips 8.14's write_vips (vips2jpeg.c), so the tables come out the same.
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = components;
    cinfo.in_color_space = components == 3 ? JCS_RGB : JCS_GRAYSCALE;
    jpeg_set_defaults(&cinfo);
    cinfo.optimize_coding = settings.optimize_coding ? TRUE : FALSE;
    if (settings.restart_interval > 0) cinfo.restart_interval = (unsigned)settings.restart_interval;
    jpeg_set_quality(&cinfo, settings.quality, TRUE);
    if (settings.progressive) jpeg_simple_progression(&cinfo);
    for (int i = 0; i < cinfo.num_components; i++) {
        cinfo.comp_info[i].h_samp_factor = 1;
        cinfo.comp_info[i].v_samp_factor = 1;
    }
    cinfo.write_JFIF_header = FALSE;
    cinfo.write_Adobe_marker = FALSE;
    cinfo.raw_data_in = raw ? TRUE : FALSE;
    jpeg_start_compress(&cinfo, TRUE);

    if (raw) {
        const plane_source source = {pixels, stride, width, height, bands, components, convert, flat, planes};
        write_raw(&cinfo, &source);
    } else {
        write_scanlines(&cinfo, pixels, stride, width, height, bands, components, flat);
    }
    jpeg_finish_compress(&cinfo);

    *output = dest.buffer;
    *length = dest.capacity - dest.base.free_in_buffer;
    jpeg_destroy_compress(&cinfo);
    free(flat);
    free(planes);
    return 0;
}

int fovea_jpeg_encode(const uint8_t *pixels, size_t stride, int width, int height, int bands,
                      fovea_jpeg_settings settings, uint8_t **output, size_t *length,
                      char *message) {
    message[0] = 0;
    *output = NULL;
    *length = 0;
    if (bands < 1 || bands > 4 || width < 1 || height < 1 || settings.quality < 1 || settings.quality > 100 ||
        settings.restart_interval < 0 || settings.restart_interval > 65535) {
        snprintf(message, FOVEA_JPEG_MESSAGE_CAPACITY,
                 "cannot encode %dx%d with %d bands at quality %d (restart interval %d)", width,
                 height, bands, settings.quality, settings.restart_interval);
        return -1;
    }
    if (!fovea_jpeg_conversion_available(settings.conversion) || !fovea_jpeg_coder_available(settings.coder)) {
        snprintf(message, FOVEA_JPEG_MESSAGE_CAPACITY, "colour conversion %d or coder %d is not available on this CPU",
                 (int)settings.conversion, (int)settings.coder);
        return -1;
    }
    const int components = bands == 2 || bands == 4 ? bands - 1 : bands;
    const fovea_jpeg_coder coder = resolve_coder(settings);
    // Sizes past JPEG's limit (65500) are libjpeg's to refuse, with its own message.
    if (coder == FOVEA_JPEG_CODER_LIBJPEG || width > 65500 || height > 65500) {
        // NULL: libjpeg converts (or, for grey, takes the rows as they are).
        const row_converter convert = components == 3 ? converter_for(resolve(settings.conversion)) : NULL;
        return encode_with_libjpeg(pixels, stride, width, height, bands, components, settings, convert, output,
                                   length, message);
    }
    if (settings.progressive || settings.optimize_coding) {
        snprintf(message, FOVEA_JPEG_MESSAGE_CAPACITY, "Fovea's coder writes baseline files with standard tables only");
        return -1;
    }
    if (settings.conversion == FOVEA_JPEG_CONVERT_LIBJPEG) {
        snprintf(message, FOVEA_JPEG_MESSAGE_CAPACITY, "libjpeg's conversion works with libjpeg's coder only");
        return -1;
    }
    const int avx512 = coder == FOVEA_JPEG_CODER_AVX512;
    // Fovea's coders take Fovea's conversion: AVX-512 unless SCALAR is asked for or the CPU lacks it.
    const int scalar = settings.conversion == FOVEA_JPEG_CONVERT_SCALAR || !fovea_jpeg_conversion_available(FOVEA_JPEG_CONVERT_AVX512);
    const fovea_jpeg_conversion conversion = scalar ? FOVEA_JPEG_CONVERT_SCALAR : FOVEA_JPEG_CONVERT_AVX512;
    uint8_t *flat = components == bands ? NULL : malloc((size_t)width * components * 8);
    uint8_t *planes = calloc((size_t)components * 8, plane_stride(width));
    if ((components != bands && flat == NULL) || planes == NULL) {
        free(flat);
        free(planes);
        return no_memory(message, width, height);
    }
    const plane_source source = {pixels, stride, width, height, bands, components,
                                 components == 3 ? converter_for(conversion) : NULL, flat, planes};
    const int status = encode_with_fovea(&source, settings, avx512, output, length, message);
    free(flat);
    free(planes);
    return status;
}
