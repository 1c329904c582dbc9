#include <zlib.h>

/* inflateInit2 is a macro (it passes ZLIB_VERSION and sizeof(z_stream)); Swift cannot call it.
 * 16 + MAX_WBITS: accept a gzip header and trailer, as in /proc/config.gz. */
static inline int smb3_inflate_init_gzip(z_stream *stream) { return inflateInit2(stream, 16 + MAX_WBITS); }
