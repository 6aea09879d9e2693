/*
 * parsers/reader.h — one streaming byte source for every parser: a file, stdin or a memory buffer.
 *
 * Parsers see the input through a window of buffered bytes: reader_fill() returns what is buffered
 * and unread (reading more when nothing is), reader_consume() marks bytes as used. The window is at
 * most READER_BUF bytes, so memory stays bounded whatever the input size; parsers are written as
 * byte-at-a-time state machines and never need to look further ahead than the current window.
 *
 * Encodings: a UTF-8 byte-order mark is skipped; input starting with a UTF-16 (LE or BE) BOM is
 * transcoded to UTF-8 on the fly (Excel's "Unicode text" export), with unpaired surrogates becoming
 * U+FFFD. Everything else is passed through as bytes: invalid UTF-8 and Windows-1252 text are for
 * the consumer of a value to handle (parsers/encoding.h).
 *
 * The buffer holds leaked text: it is wiped before it is freed.
 */
#ifndef LW_PARSERS_READER_H
#define LW_PARSERS_READER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/slice.h"

#define READER_BUF (64 * 1024)
/* Most a parser may ask reader_peek() for (sniffing looks at the first few KiB). */
#define READER_PEEK_MAX (16 * 1024)

struct reader;

/* Open path for reading ("-" is stdin). LW_ERR_IO (with the reason in err) if it cannot be opened
 * or is a directory. */
enum lw_rc reader_open_file(const char *path, struct reader **out, struct lw_error *err);

/* Read from an open descriptor; the reader does not close it. name is for messages. */
struct reader *reader_open_fd(int fd, const char *name);

/* Read from memory that the caller keeps alive and unchanged until reader_close(). */
struct reader *reader_open_mem(const void *p, size_t len, const char *name);

/*
 * The buffered, unread bytes, reading more when there are none. avail->len == 0 means the end of
 * the input. LW_ERR_IO on a read error (what was returned before stays valid input). The slice is
 * valid until the next reader_fill()/reader_consume()/reader_peek() call.
 */
enum lw_rc reader_fill(struct reader *r, struct lw_slice *avail);

/* Mark n of the bytes last returned by reader_fill() as used (n <= avail.len). */
void reader_consume(struct reader *r, size_t n);

/*
 * The first bytes of the input, up to n (n <= READER_PEEK_MAX); fewer only at the end of input.
 * Only before anything has been consumed (sniffing); it does not consume.
 */
enum lw_rc reader_peek(struct reader *r, size_t n, struct lw_slice *out);

/*
 * Read one line (without its "\n" or "\r\n") into line, which is reset first. A line longer than
 * line->max keeps its first line->max bytes, the rest is skipped and *cut is set. Returns LW_OK
 * for a line (possibly empty), LW_ERR_NOT_FOUND at the end of input, LW_ERR_IO on a read error.
 */
enum lw_rc reader_line(struct reader *r, struct lw_buf *line, bool *cut);

/* Bytes consumed so far, counted in the (transcoded) byte stream parsers see. */
uint64_t reader_offset(const struct reader *r);

/* The name given when opening ("-" for stdin): a file name, never content. */
const char *reader_name(const struct reader *r);

/*
 * Call tap(user, bytes, n) with every byte the reader takes from its source, in order, before any
 * transcoding (storage hashes the exact content this way, for stdin too). NULL removes it. Set it
 * before the first read.
 */
typedef void (*reader_tap_fn)(void *user, const void *bytes, size_t n);
void reader_set_tap(struct reader *r, reader_tap_fn tap, void *user);

/* Read and drop the rest of the input (the tap still sees it). LW_ERR_IO on a read error. */
enum lw_rc reader_drain(struct reader *r);

/* Wipe the buffer, close the file if the reader opened it, free. NULL-safe. */
void reader_close(struct reader *r);

#endif
