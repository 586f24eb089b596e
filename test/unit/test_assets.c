/* test_assets.c - glob selection with '!', asset name safety, and streaming
 * SHA-256 agreeing with one-shot hashing. */
#include "assets.h"
#include "sha256.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void test_globs(void)
{
    char *linux_only[] = {"*_linux_*.tar.gz", "*checksums.txt", NULL};
    CHECK(assets_selected(linux_only, 2, "gh_2.40.1_linux_amd64.tar.gz"));
    CHECK(assets_selected(linux_only, 2, "gh_2.40.1_checksums.txt"));
    CHECK(!assets_selected(linux_only, 2, "gh_2.40.1_macOS_amd64.zip"));
    char *excl[] = {"*.tar.gz", "!*arm*", NULL};
    CHECK(assets_selected(excl, 2, "x_amd64.tar.gz"));
    CHECK(!assets_selected(excl, 2, "x_arm64.tar.gz"));
    CHECK(!assets_selected(excl, 2, "x_amd64.zip"));
    char *only_excl[] = {"!*.sig", NULL};
    CHECK(assets_selected(only_excl, 1, "x.tar.gz"));
    CHECK(!assets_selected(only_excl, 1, "x.tar.gz.sig"));
    CHECK(assets_selected(NULL, 0, "anything"));
    char *bracket[] = {"file[0-9].bin", NULL};
    CHECK(assets_selected(bracket, 1, "file7.bin"));
    CHECK(!assets_selected(bracket, 1, "fileX.bin"));
}

static void test_names(void)
{
    struct err err = {""};
    CHECK(assets_name_check("gh_2.40.1_linux_amd64.tar.gz", &err) == 0);
    CHECK(assets_name_check("SHA256SUMS", &err) == 0);
    CHECK(assets_name_check("a/b", &err) < 0);
    CHECK(strstr(err.msg, "a/b") != NULL && strstr(err.msg, "'/'") != NULL);
    CHECK(assets_name_check("..", &err) < 0);
    CHECK(assets_name_check("x..y", &err) < 0);
    CHECK(assets_name_check(".", &err) < 0);
    CHECK(assets_name_check("", &err) < 0);
    CHECK(assets_name_check("-rf", &err) < 0);
    CHECK(assets_name_check("a\nb", &err) < 0);
    CHECK(strstr(err.msg, "a?b") != NULL);
    CHECK(assets_name_check("a\x7f"
                            "b",
                            &err) < 0); /* DEL is masked in the message too */
    CHECK(strstr(err.msg, "a?b") != NULL && strchr(err.msg, 0x7f) == NULL);
    char long_name[300];
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    CHECK(assets_name_check(long_name, &err) < 0);
}

static void test_sha256(void)
{
    char one[65], streamed[65], from_fd[65];
    sha256_hex("abc", 3, one);
    CHECK_STR(one, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sha256_hex("", 0, one);
    CHECK_STR(one, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

    size_t n = 3 * 1024 * 1024 + 17;
    unsigned char *data = malloc(n);
    for (size_t i = 0; i < n; i++)
        data[i] = (unsigned char)(i * 31 + (i >> 9));
    sha256_hex(data, n, one);
    struct sha256 h;
    CHECK(sha256_init(&h) == 0);
    for (size_t off = 0, step = 1; off < n; off += step, step = step * 3 % 65537 + 1)
        sha256_update(&h, data + off, off + step > n ? n - off : step);
    sha256_final_hex(&h, streamed);
    CHECK_STR(streamed, one);

    char path[] = "/tmp/grm-sha-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0 && write(fd, data, n) == (ssize_t)n);
    int64_t size = 0;
    struct err err = {""};
    CHECK(sha256_fd(fd, path, from_fd, &size, &err) == 0);
    CHECK_STR(from_fd, one);
    CHECK(size == (int64_t)n);
    close(fd);
    unlink(path);
    free(data);
}

int main(void)
{
    test_globs();
    test_names();
    test_sha256();
    return TEST_DONE();
}
