/* test_buf.c - struct buf (lib/base/buf.c): appending, the cap, and reading a
 * whole file descriptor in blocks (buf_read_fd) up to the cap and no
 * further, and a whole file by path (buf_read_file). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "tap.h"

/* A temporary file holding n bytes of a known pattern; its fd, at offset 0. */
static int pattern_file(size_t n)
{
    char path[] = "/tmp/grm-test-buf-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    unlink(path);
    for (size_t i = 0; i < n; i++) {
        char c = (char)('a' + i % 26);
        if (write(fd, &c, 1) != 1)
            return -1;
    }
    return lseek(fd, 0, SEEK_SET) == 0 ? fd : -1;
}

static int holds_pattern(const struct buf *b, size_t n)
{
    if (b->len != n || !b->ptr || b->ptr[n] != '\0')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (b->ptr[i] != (char)('a' + i % 26))
            return 0;
    return 1;
}

static void test_append_and_cap(void)
{
    struct buf b = BUF_INIT(8);
    CHECK(buf_adds(&b, "abc") == 0 && buf_addf(&b, "%d", 12345) == 0);
    CHECK_STR(buf_str(&b), "abc12345");
    CHECK(buf_addc(&b, 'x') == -1); /* past the cap: freed */
    CHECK(b.ptr == NULL && b.len == 0);
    CHECK_STR(buf_str(&b), "");
    buf_free(&b);
}

static void test_read_fd(void)
{
    const size_t n = 200000; /* several 64 KiB blocks */
    int fd = pattern_file(n);
    CHECK(fd >= 0);
    struct buf b = BUF_INIT(0);
    CHECK(buf_read_fd(&b, fd) == 0);
    CHECK(holds_pattern(&b, n));
    buf_free(&b);

    /* a cap of exactly the size: read whole */
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    buf_init(&b, n);
    CHECK(buf_read_fd(&b, fd) == 0);
    CHECK(holds_pattern(&b, n));
    buf_free(&b);

    /* one byte over the cap: EFBIG, nothing kept */
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    buf_init(&b, n - 1);
    errno = 0;
    CHECK(buf_read_fd(&b, fd) == -1);
    CHECK(errno == EFBIG);
    CHECK(b.ptr == NULL && b.len == 0);
    close(fd);

    /* appends after what is there; an empty file adds nothing */
    fd = pattern_file(0);
    buf_init(&b, 0);
    CHECK(buf_adds(&b, "kept") == 0 && buf_read_fd(&b, fd) == 0);
    CHECK_STR(buf_str(&b), "kept");
    buf_free(&b);
    close(fd);

    /* a read error: its errno, nothing kept */
    buf_init(&b, 0);
    errno = 0;
    CHECK(buf_read_fd(&b, -1) == -1);
    CHECK(errno == EBADF);
    CHECK(b.ptr == NULL);
}

/* By path: the file's bytes up to the cap; ENOENT when absent, EFBIG past
 * the cap. */
static void test_read_file(void)
{
    char path[] = "/tmp/grm-test-buf-file-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0 && write(fd, "abcdef", 6) == 6);
    close(fd);
    struct buf b = BUF_INIT(0);
    CHECK(buf_read_file(&b, path) == 0);
    CHECK_STR(buf_str(&b), "abcdef");
    buf_free(&b);
    buf_init(&b, 5);
    errno = 0;
    CHECK(buf_read_file(&b, path) == -1 && errno == EFBIG && b.ptr == NULL);
    unlink(path);
    errno = 0;
    CHECK(buf_read_file(&b, path) == -1 && errno == ENOENT);
}

int main(void)
{
    test_append_and_cap();
    test_read_fd();
    test_read_file();
    return TEST_DONE();
}
