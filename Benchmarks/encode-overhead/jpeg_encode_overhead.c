/* The cost libvips adds to a JPEG encode, beside libjpeg-turbo called directly, on the image a
 * warm zoom returns (992x736 RGB, q95, 4:4:4, restart markers): one whole encode, and two halves
 * encoded at once on two threads (how a lone Fovea call encodes). Evidence for docs/BENCHMARKS.md.
 *
 *   gcc -O2 jpeg_encode_overhead.c -o /tmp/jpeg_encode_overhead \
 *       $(pkg-config --cflags --libs vips) -ljpeg -lpthread
 *   /tmp/jpeg_encode_overhead photo8k.jpg      # any image of at least 4000x2800
 */
#include <stdio.h>
#include <jpeglib.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <vips/vips.h>

enum { W = 992, H = 736, RUNS = 300 };
static unsigned char *pixels;

typedef struct { int top, height; } Strip;

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void *encode_vips(void *arg) {
    Strip *s = arg;
    VipsImage *image = vips_image_new_from_memory(pixels + (size_t)s->top * W * 3, (size_t)W * s->height * 3,
                                                  W, s->height, 3, VIPS_FORMAT_UCHAR);
    void *buffer;
    size_t length;
    if (vips_jpegsave_buffer(image, &buffer, &length, "Q", 95, "subsample_mode", VIPS_FOREIGN_SUBSAMPLE_OFF,
                             "strip", TRUE, "restart_interval", W / 8 / 2, NULL)) {
        fprintf(stderr, "%s", vips_error_buffer());
        exit(1);
    }
    g_free(buffer);
    g_object_unref(image);
    return NULL;
}

static void *encode_libjpeg(void *arg) {
    Strip *s = arg;
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr errors;
    unsigned char *out = NULL;
    unsigned long length = 0;
    c.err = jpeg_std_error(&errors);
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, &out, &length);
    c.image_width = W;
    c.image_height = s->height;
    c.input_components = 3;
    c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 95, TRUE);
    for (int i = 0; i < 3; i++) c.comp_info[i].h_samp_factor = c.comp_info[i].v_samp_factor = 1;
    c.restart_interval = W / 8 / 2;
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = pixels + (size_t)(s->top + c.next_scanline) * W * 3;
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    free(out);
    return NULL;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void measure(const char *name, void *(*encode)(void *)) {
    static double whole[RUNS], halves[RUNS];
    for (int i = 0; i < RUNS; i++) {
        Strip all = {0, H};
        double start = now_ms();
        encode(&all);
        whole[i] = now_ms() - start;
    }
    for (int i = 0; i < RUNS; i++) {
        Strip top = {0, H / 2}, bottom = {H / 2, H / 2};
        pthread_t a, b;
        double start = now_ms();
        pthread_create(&a, NULL, encode, &top);
        pthread_create(&b, NULL, encode, &bottom);
        pthread_join(a, NULL);
        pthread_join(b, NULL);
        halves[i] = now_ms() - start;
    }
    qsort(whole, RUNS, sizeof(double), by_value);
    qsort(halves, RUNS, sizeof(double), by_value);
    printf("%-28s whole p50 %.2f ms, two halves at once p50 %.2f ms\n", name, whole[RUNS / 2], halves[RUNS / 2]);
}

int main(int argc, char **argv) {
    if (argc < 2 || VIPS_INIT(argv[0])) return 1;
    vips_cache_set_max(0);
    vips_concurrency_set(1);  /* as Fovea's workers run libvips */
    VipsImage *source = vips_image_new_from_file(argv[1], "access", VIPS_ACCESS_RANDOM, NULL), *box;
    if (!source || vips_crop(source, &box, 3000, 2000, W, H, NULL)) {
        fprintf(stderr, "%s", vips_error_buffer());
        return 1;
    }
    size_t size;
    pixels = vips_image_write_to_memory(box, &size);
    for (int round = 0; round < 2; round++) {  /* alternated: the first round also warms up */
        measure("vips_jpegsave_buffer", encode_vips);
        measure("libjpeg-turbo directly", encode_libjpeg);
    }
    return 0;
}
