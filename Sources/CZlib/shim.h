// zlib, for reading gzip-compressed IDX files.
#ifndef CZLIB_SHIM_H
#define CZLIB_SHIM_H
#include <zlib.h>

/// `inflateInit2` is a macro; 15 + 32 lets zlib detect gzip or zlib headers automatically.
static inline int czlib_inflate_init_auto(z_stream *stream) {
    return inflateInit2(stream, 15 + 32);
}
static inline int czlib_ok(void) { return Z_OK; }
static inline int czlib_stream_end(void) { return Z_STREAM_END; }
static inline int czlib_no_flush(void) { return Z_NO_FLUSH; }
static inline int czlib_buf_error(void) { return Z_BUF_ERROR; }
#endif
