// libjpeg reports a fatal error by calling error_exit, which must not return: the usual answer
// is setjmp/longjmp. A longjmp across Swift frames is undefined behaviour, so the jump stays
// inside this C function: libjpeg's frames are the only ones it unwinds, and Swift sees a return
// code and a message.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    int width, height;      // of the decoded image
    int components;         // in the file: 1 gray, 3 YCbCr/RGB, 4 CMYK/YCCK
    int warnings;           // libjpeg's recoverable complaints (corrupt data it worked around)
    int truncated;          // the data ended early; libjpeg filled the rest with gray
    char message[JMSG_LENGTH_MAX];   // the error, or the first warning
} gw_jpeg_info;

typedef struct {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    gw_jpeg_info *info;
} gw_jpeg_error;

static void gw_jpeg_error_exit(j_common_ptr cinfo) {
    gw_jpeg_error *error = (gw_jpeg_error *)cinfo->err;
    cinfo->err->format_message(cinfo, error->info->message);
    longjmp(error->jump, 1);
}

static void gw_jpeg_emit_message(j_common_ptr cinfo, int level) {
    gw_jpeg_error *error = (gw_jpeg_error *)cinfo->err;
    if (level >= 0) return;                                  // trace messages: ignore
    if (cinfo->err->msg_code == JWRN_JPEG_EOF) error->info->truncated = 1;
    if (error->info->warnings++ == 0) cinfo->err->format_message(cinfo, error->info->message);
}

/// Decodes a JPEG held in memory to 8-bit RGB, row after row (gray and CMYK files converted).
/// Returns 0 and sets *pixels (malloc'ed, width * height * 3 bytes; free() it) on success,
/// -1 with info->message on failure. Images above max_pixels are refused before decoding.
static inline int gw_jpeg_decode_rgb(const unsigned char *data, unsigned long size, unsigned long max_pixels,
                                     unsigned char **pixels, gw_jpeg_info *info) {
    struct jpeg_decompress_struct cinfo;
    gw_jpeg_error error;
    unsigned char *volatile output = NULL;   // volatile: it must survive the longjmp
    JSAMPLE *volatile row = NULL;
    memset(info, 0, sizeof *info);
    *pixels = NULL;
    cinfo.err = jpeg_std_error(&error.manager);
    error.manager.error_exit = gw_jpeg_error_exit;
    error.manager.emit_message = gw_jpeg_emit_message;
    error.info = info;
    if (setjmp(error.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(output);
        free(row);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, size);
    jpeg_read_header(&cinfo, TRUE);
    info->components = cinfo.num_components;
    int cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    int gray = cinfo.jpeg_color_space == JCS_GRAYSCALE;
    cinfo.out_color_space = cmyk ? JCS_CMYK : gray ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&cinfo);
    unsigned long width = cinfo.output_width, height = cinfo.output_height;
    if (width == 0 || height == 0 || width * height > max_pixels) {
        snprintf(info->message, sizeof info->message, "image of %lux%lu pixels is too large", width, height);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    int channels = cinfo.output_components;
    output = malloc(width * height * 3);
    row = malloc(width * channels);
    if (!output || !row) {
        snprintf(info->message, sizeof info->message, "out of memory");
        jpeg_destroy_decompress(&cinfo);
        free(output); free(row);
        return -1;
    }
    while (cinfo.output_scanline < height) {
        unsigned long y = cinfo.output_scanline;
        JSAMPROW rows[1] = { row };
        jpeg_read_scanlines(&cinfo, rows, 1);
        unsigned char *out = output + y * width * 3;
        for (unsigned long x = 0; x < width; x++) {
            if (channels == 3) {
                out[3 * x] = row[3 * x]; out[3 * x + 1] = row[3 * x + 1]; out[3 * x + 2] = row[3 * x + 2];
            } else if (channels == 1) {
                out[3 * x] = out[3 * x + 1] = out[3 * x + 2] = row[x];
            } else {
                // CMYK. Adobe's files (the usual source) store the inks inverted: 255 means none.
                unsigned c = row[4 * x], m = row[4 * x + 1], y4 = row[4 * x + 2], k = row[4 * x + 3];
                if (!cinfo.saw_Adobe_marker) { c = 255 - c; m = 255 - m; y4 = 255 - y4; k = 255 - k; }
                out[3 * x] = (unsigned char)((c * k + 127) / 255);
                out[3 * x + 1] = (unsigned char)((m * k + 127) / 255);
                out[3 * x + 2] = (unsigned char)((y4 * k + 127) / 255);
            }
        }
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(row);
    info->width = (int)width;
    info->height = (int)height;
    *pixels = output;
    return 0;
}

/// Encodes 8-bit pixels (components 1: gray, 3: RGB, 4: CMYK stored as Adobe does, inverted) as
/// a JPEG of the given quality. The tests write their fixtures with it. Returns 0 and sets *jpeg
/// and *size (malloc'ed by libjpeg; free() it), or -1 with message.
static inline int gw_jpeg_encode(const unsigned char *pixels, int width, int height, int components, int quality,
                                 unsigned char **jpeg, unsigned long *size, char *message) {
    struct jpeg_compress_struct cinfo;
    gw_jpeg_error error;
    gw_jpeg_info info;
    memset(&info, 0, sizeof info);
    *jpeg = NULL;
    *size = 0;
    cinfo.err = jpeg_std_error(&error.manager);
    error.manager.error_exit = gw_jpeg_error_exit;
    error.manager.emit_message = gw_jpeg_emit_message;
    error.info = &info;
    if (setjmp(error.jump)) {
        jpeg_destroy_compress(&cinfo);
        strcpy(message, info.message);
        return -1;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, jpeg, size);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = components;
    cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : components == 4 ? JCS_CMYK : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * width * components);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    return 0;
}
