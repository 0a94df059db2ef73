#include "CJPEG.h"

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

// MARK: - Encode

// Rows handed to libjpeg per call: two MCU rows of 8 (4:4:4); libjpeg takes them in place.
enum { ROWS_PER_WRITE = 16 };

int fovea_jpeg_encode(const uint8_t *pixels, size_t stride, int width, int height, int bands,
                      fovea_jpeg_settings settings, uint8_t **output, size_t *length,
                      char *message) {
    message[0] = 0;
    *output = NULL;
    *length = 0;
    // Sizes past JPEG's limit (65500) are libjpeg's to refuse, with its own message.
    if (bands < 1 || bands > 4 || width < 1 || height < 1 || settings.quality < 1 || settings.quality > 100 ||
        settings.restart_interval < 0 || settings.restart_interval > 65535) {
        snprintf(message, FOVEA_JPEG_MESSAGE_CAPACITY,
                 "cannot encode %dx%d with %d bands at quality %d (restart interval %d)", width,
                 height, bands, settings.quality, settings.restart_interval);
        return -1;
    }
    int components = bands == 2 || bands == 4 ? bands - 1 : bands;

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
    if (dest.buffer == NULL || (components != bands && flat == NULL)) {
        free(dest.buffer);
        free(flat);
        snprintf(message, FOVEA_JPEG_MESSAGE_CAPACITY, "no memory for a %dx%d JPEG", width, height);
        return -1;
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
    jpeg_start_compress(&cinfo, TRUE);

    JSAMPROW rows[ROWS_PER_WRITE];
    while (cinfo.next_scanline < cinfo.image_height) {
        int top = (int)cinfo.next_scanline;
        int count = height - top < ROWS_PER_WRITE ? height - top : ROWS_PER_WRITE;
        const uint8_t *first = pixels + (size_t)top * stride;
        if (flat != NULL) {
            flatten_rows(first, stride, width, bands, count, flat);
            for (int i = 0; i < count; i++) rows[i] = flat + (size_t)i * width * components;
        } else {
            for (int i = 0; i < count; i++) rows[i] = (JSAMPROW)(first + (size_t)i * stride);
        }
        // Takes every row given (no suspending destination), so next_scanline advances by count.
        jpeg_write_scanlines(&cinfo, rows, (JDIMENSION)count);
    }
    jpeg_finish_compress(&cinfo);

    *output = dest.buffer;
    *length = dest.capacity - dest.base.free_in_buffer;
    jpeg_destroy_compress(&cinfo);
    free(flat);
    return 0;
}
