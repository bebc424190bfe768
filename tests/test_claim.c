/* Tests of src/claim.c: one claim per name, held while its heartbeat is
 * fresh, taken over once stale (the old owner then finds it lost, and its
 * release leaves the new owner's file alone), names escaped for the
 * filesystem. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "claim.h"

static char dir[64];

/* Makes the file's heartbeat `age` seconds old. */
static void age_file(const char *path, double age)
{
    struct timespec now, ts[2];
    clock_gettime(CLOCK_REALTIME, &now);
    ts[0] = ts[1] = (struct timespec){now.tv_sec - (time_t)age, now.tv_nsec};
    utimensat(AT_FDCWD, path, ts, 0);
}

static void test_take_and_release(void)
{
    struct claim a, b;
    struct err e;
    CHECK_EQ_INT(claim_take(&a, dir, "k3e3.seed0", 60, &e), 1);
    CHECK_STR(a.taken_from, "");
    char path[128];
    snprintf(path, sizeof path, "%s/k3e3.seed0.claim", dir);
    CHECK(claim_age(path) >= 0 && claim_age(path) < 5);
    /* held: another cannot take it */
    CHECK_EQ_INT(claim_take(&b, dir, "k3e3.seed0", 60, &e), 0);
    CHECK(b.path == NULL);
    CHECK_EQ_INT(claim_beat(&a, 0, &e), 0);
    /* the file says who holds it */
    char buf[160] = "";
    FILE *f = fopen(path, "r");
    if (CHECK(f != NULL)) {
        CHECK(fgets(buf, sizeof buf, f) != NULL);
        fclose(f);
    }
    char want[32];
    snprintf(want, sizeof want, " %ld\n", (long)getpid());
    CHECK(strlen(buf) > strlen(want) && strcmp(buf + strlen(buf) - strlen(want), want) == 0);
    claim_release(&a);
    CHECK(claim_age(path) < 0);
    claim_release(&a); /* twice: a no-op */
    CHECK_EQ_INT(claim_take(&b, dir, "k3e3.seed0", 60, &e), 1);
    claim_release(&b);
}

static void test_stale(void)
{
    struct claim a, b, c;
    struct err e;
    char path[128];
    snprintf(path, sizeof path, "%s/k5e6.seed1.claim", dir);
    CHECK_EQ_INT(claim_take(&a, dir, "k5e6.seed1", 30, &e), 1);
    age_file(path, 20); /* not yet stale */
    CHECK_EQ_INT(claim_take(&b, dir, "k5e6.seed1", 30, &e), 0);
    age_file(path, 40); /* its owner stopped beating: taken over */
    CHECK_EQ_INT(claim_take(&b, dir, "k5e6.seed1", 30, &e), 1);
    CHECK(strstr(b.taken_from, " ") != NULL);
    CHECK(b.taken_age >= 39 && b.taken_age < 45);
    /* the old owner finds out at its next heartbeat, however soon */
    CHECK_EQ_INT(claim_beat(&a, 1000, &e), 0); /* not due yet: not looked at */
    CHECK_EQ_INT(claim_beat(&a, 0, &e), 1);
    claim_release(&a); /* leaves b's claim alone */
    CHECK(claim_age(path) >= 0);
    CHECK_EQ_INT(claim_take(&c, dir, "k5e6.seed1", 30, &e), 0);
    /* the new owner's heartbeat keeps it fresh */
    age_file(path, 40);
    CHECK_EQ_INT(claim_beat(&b, 0, &e), 0);
    CHECK_EQ_INT(claim_take(&c, dir, "k5e6.seed1", 30, &e), 0);
    claim_release(&b);
    CHECK(claim_age(path) < 0);
    /* no file of the takeover is left in the directory */
    CHECK_EQ_INT(claim_take(&c, dir, "k5e6.seed1", 30, &e), 1);
    claim_release(&c);
}

static void test_names(void)
{
    struct claim a;
    struct err e;
    CHECK_EQ_INT(claim_take(&a, dir, "a/b c%", 60, &e), 1);
    char path[128];
    snprintf(path, sizeof path, "%s/a%%2Fb%%20c%%25.claim", dir);
    CHECK_STR(a.path, path);
    CHECK(claim_age(path) >= 0);
    claim_release(&a);
    /* a directory that is not there */
    CHECK_EQ_INT(claim_take(&a, "/nonexistent-oneshot", "x", 60, &e), -1);
    CHECK_STR(e.msg, "/nonexistent-oneshot/x.claim: error: cannot create: No such file or directory");
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/oneshot-claim-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    RUN(test_take_and_release);
    RUN(test_stale);
    RUN(test_names);
    rmdir(dir);
    return check_done();
}
