/*
 * parsers/reader.c — the buffered, bounded byte source behind every parser.
 *
 * Two layers: raw_read() gets bytes from a descriptor or memory (with the few bytes held back while
 * the byte-order mark was examined served first); read_more() appends to the window, transcoding
 * UTF-16 to UTF-8 when the input began with a UTF-16 BOM. The window is one fixed READER_BUF
 * allocation, compacted when the unread part is moved to the front: a parser can never make it grow.
 *
 * The alternative rejected: stdio (fread/getline). getline grows its buffer to the longest line, which
 * is exactly what a hostile single-line dump exploits, and FILE buffers are not wiped.
 */
#include "parsers/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/escape.h"

enum encoding { ENC_BYTES, ENC_UTF16LE, ENC_UTF16BE };

struct reader {
    int fd;              /* -1 for memory */
    bool owns_fd;
    const char *mem;     /* memory input */
    size_t mem_len, mem_pos;
    char *name;
    char *buf;           /* READER_BUF bytes */
    size_t start, end;   /* the unread window is buf[start, end) */
    uint64_t offset;     /* bytes consumed */
    bool eof, failed, bom_done;
    bool source_done;    /* the source itself returned end of input */
    enum encoding enc;
    unsigned char held[4]; /* raw bytes read while looking for a BOM, or an odd UTF-16 byte */
    size_t held_len;
    unsigned high;       /* a UTF-16 high surrogate waiting for its low half, or 0 */
    reader_tap_fn tap;   /* sees every source byte */
    void *tap_user;
};

static struct reader *
new_reader(int fd, bool owns, const char *mem, size_t mem_len, const char *name)
{
    struct reader *r = lw_xcalloc(1, sizeof(*r));

    r->fd = fd;
    r->owns_fd = owns;
    r->mem = mem;
    r->mem_len = mem_len;
    r->name = lw_xstrdup(name != NULL ? name : "-");
    r->buf = lw_xmalloc(READER_BUF);
    return r;
}

enum lw_rc
reader_open_file(const char *path, struct reader **out, struct lw_error *err)
{
    struct stat st;
    int fd;

    *out = NULL;
    if (strcmp(path, "-") == 0) {
        *out = new_reader(STDIN_FILENO, false, NULL, 0, "-");
        return LW_OK;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        return lw_error_set(err, LW_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    }
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        return lw_error_set(err, LW_ERR_IO, "%s is a directory", path);
    }
    *out = new_reader(fd, true, NULL, 0, path);
    return LW_OK;
}

struct reader *
reader_open_fd(int fd, const char *name)
{
    return new_reader(fd, false, NULL, 0, name);
}

struct reader *
reader_open_mem(const void *p, size_t len, const char *name)
{
    return new_reader(-1, false, p, len, name);
}

/* Up to cap bytes from the source itself. 0 at the end, -1 on error. */
static ssize_t
source_read(struct reader *r, char *dst, size_t cap)
{
    ssize_t n;

    if (r->fd < 0) {
        size_t k = r->mem_len - r->mem_pos < cap ? r->mem_len - r->mem_pos : cap;

        memcpy(dst, r->mem + r->mem_pos, k);
        r->mem_pos += k;
        n = (ssize_t)k;
    } else {
        do {
            n = read(r->fd, dst, cap);
        } while (n < 0 && errno == EINTR);
    }
    if (n > 0 && r->tap != NULL) {
        r->tap(r->tap_user, dst, (size_t)n);
    }
    return n;
}

void
reader_set_tap(struct reader *r, reader_tap_fn tap, void *user)
{
    r->tap = tap;
    r->tap_user = user;
}

enum lw_rc
reader_drain(struct reader *r)
{
    struct lw_slice avail;
    enum lw_rc rc;

    while ((rc = reader_fill(r, &avail)) == LW_OK && avail.len > 0) {
        reader_consume(r, avail.len);
    }
    return rc;
}

/* Up to cap raw bytes: the held ones first, then from the source. 0 at the end, -1 on error (an
 * error after held bytes is reported by the next call). */
static ssize_t
raw_read(struct reader *r, char *dst, size_t cap)
{
    size_t k = r->held_len < cap ? r->held_len : cap;
    ssize_t n;

    memcpy(dst, r->held, k);
    memmove(r->held, r->held + k, r->held_len - k);
    r->held_len -= k;
    if (k == cap) {
        return (ssize_t)k;
    }
    n = source_read(r, dst + k, cap - k);
    if (n == 0) {
        r->source_done = true;
    }
    if (n < 0) {
        return k > 0 ? (ssize_t)k : -1;
    }
    return (ssize_t)k + n;
}

/* Look at the first bytes for a byte-order mark; keep what follows it in held. */
static int
detect_bom(struct reader *r)
{
    unsigned char b[3];
    size_t got = 0;

    r->bom_done = true;
    while (got < sizeof(b)) {
        ssize_t n = raw_read(r, (char *)b + got, sizeof(b) - got);

        if (n < 0) {
            return -1;
        }
        if (n == 0) {
            break;
        }
        got += (size_t)n;
    }
    if (got == 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
        return 0;
    }
    if (got >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF))) {
        r->enc = b[0] == 0xFF ? ENC_UTF16LE : ENC_UTF16BE;
        memcpy(r->held, b + 2, got - 2);
        r->held_len = got - 2;
        return 0;
    }
    memcpy(r->held, b, got);
    r->held_len = got;
    return 0;
}

/* Transcode n raw UTF-16 bytes from raw into out (room for 2 * n + 4 bytes); returns bytes written.
 * An odd trailing byte is held for the next call, or becomes U+FFFD at the end of the input. */
static size_t
utf16_to_utf8(struct reader *r, const unsigned char *raw, size_t n, char *out)
{
    size_t w = 0;
    size_t i = 0;

    for (; i + 1 < n; i += 2) {
        unsigned u = r->enc == ENC_UTF16LE ? (unsigned)(raw[i] | raw[i + 1] << 8)
                                           : (unsigned)(raw[i] << 8 | raw[i + 1]);

        if (r->high != 0) {
            unsigned hi = r->high;

            r->high = 0;
            if (u >= 0xDC00 && u <= 0xDFFF) {
                w += lw_utf8_encode(0x10000 + ((hi - 0xD800) << 10) + (u - 0xDC00), out + w);
                continue;
            }
            w += lw_utf8_encode(0xFFFD, out + w); /* unpaired high surrogate */
        }
        if (u >= 0xD800 && u <= 0xDBFF) {
            r->high = u;
        } else {
            w += lw_utf8_encode((u >= 0xDC00 && u <= 0xDFFF) ? 0xFFFD : u, out + w);
        }
    }
    if (i < n && !r->source_done) {
        r->held[0] = raw[i];
        r->held_len = 1;
    } else if (i < n) {
        w += lw_utf8_encode(0xFFFD, out + w); /* the input ended on half a code unit */
    }
    return w;
}

/* Append more input to the window, compacting it first; sets eof at the end of the input. */
static enum lw_rc
read_more(struct reader *r)
{
    unsigned char raw[READER_BUF / 3];
    size_t room, written;
    ssize_t n;

    if (r->eof || r->failed) {
        return r->failed ? LW_ERR_IO : LW_OK;
    }
    if (!r->bom_done && detect_bom(r) != 0) {
        r->failed = true;
        return LW_ERR_IO;
    }
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    room = READER_BUF - r->end;
    if (room < 8) {
        return LW_OK; /* the window is nearly full: nothing to do until the parser consumes */
    }
    if (r->enc == ENC_BYTES) {
        n = raw_read(r, r->buf + r->end, room);
        written = n > 0 ? (size_t)n : 0;
    } else {
        size_t cap = (room - 4) / 2 < sizeof(raw) ? (room - 4) / 2 : sizeof(raw);

        n = raw_read(r, (char *)raw, cap);
        written = n > 0 ? utf16_to_utf8(r, raw, (size_t)n, r->buf + r->end) : 0;
        lw_wipe(raw, sizeof(raw));
    }
    if (n < 0) {
        r->failed = true;
        return LW_ERR_IO;
    }
    if (n == 0) {
        if (r->high != 0) { /* the input ended after a high surrogate */
            r->high = 0;
            written = lw_utf8_encode(0xFFFD, r->buf + r->end);
        }
        r->eof = true;
    }
    r->end += written;
    return LW_OK;
}

enum lw_rc
reader_fill(struct reader *r, struct lw_slice *avail)
{
    while (r->start == r->end && !r->eof) {
        enum lw_rc rc = read_more(r);

        if (rc != LW_OK) {
            *avail = lw_slice_make(NULL, 0);
            return rc;
        }
    }
    *avail = lw_slice_make(r->buf + r->start, r->end - r->start);
    return LW_OK;
}

void
reader_consume(struct reader *r, size_t n)
{
    if (n > r->end - r->start) {
        n = r->end - r->start;
    }
    r->start += n;
    r->offset += n;
    if (r->start == r->end) {
        r->start = r->end = 0;
    }
}

enum lw_rc
reader_peek(struct reader *r, size_t n, struct lw_slice *out)
{
    if (n > READER_PEEK_MAX) {
        n = READER_PEEK_MAX;
    }
    if (r->offset != 0) {
        return LW_ERR_INTERNAL;
    }
    while (r->end - r->start < n && !r->eof) {
        enum lw_rc rc = read_more(r);

        if (rc != LW_OK) {
            return rc;
        }
    }
    *out = lw_slice_make(r->buf + r->start, r->end - r->start < n ? r->end - r->start : n);
    return LW_OK;
}

enum lw_rc
reader_line(struct reader *r, struct lw_buf *line, bool *cut)
{
    bool any = false;

    lw_buf_reset(line);
    *cut = false;
    for (;;) {
        struct lw_slice avail;
        const char *nl;
        size_t take, keep;
        enum lw_rc rc = reader_fill(r, &avail);

        if (rc != LW_OK) {
            return rc;
        }
        if (avail.len == 0) {
            return any ? LW_OK : LW_ERR_NOT_FOUND;
        }
        any = true;
        nl = memchr(avail.p, '\n', avail.len);
        take = nl != NULL ? (size_t)(nl - avail.p) : avail.len;
        keep = line->max - line->len < take ? line->max - line->len : take;
        if (keep < take) {
            *cut = true;
        }
        lw_buf_append(line, avail.p, keep); /* fits by construction */
        reader_consume(r, nl != NULL ? take + 1 : take);
        if (nl != NULL) {
            if (!*cut && line->len > 0 && line->data[line->len - 1] == '\r') {
                line->data[--line->len] = '\0';
            }
            return LW_OK;
        }
    }
}

uint64_t
reader_offset(const struct reader *r)
{
    return r->offset;
}

const char *
reader_name(const struct reader *r)
{
    return r->name;
}

void
reader_close(struct reader *r)
{
    if (r == NULL) {
        return;
    }
    if (r->owns_fd && r->fd >= 0) {
        close(r->fd);
    }
    lw_wipe_free(r->buf, READER_BUF);
    lw_wipe(r->held, sizeof(r->held));
    free(r->name);
    free(r);
}
