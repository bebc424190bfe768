/* claim: a task claimed by one of several processes through a lock file.
 *
 * Processes that share a directory (job-array tasks, ssh loops, on one host
 * or on a shared filesystem) each take a task by creating DIR/NAME.claim with
 * O_CREAT|O_EXCL: of several trying at once exactly one succeeds.  The file
 * holds "host pid" (for people) and its mtime is the heartbeat: the owner
 * refreshes it while it works (claim_beat).  A claim whose mtime is older
 * than the stale timeout belongs to a process that died (or hangs): another
 * takes it over, by renaming the file away under a unique name (exactly one
 * rename wins), checking it really renamed the stale file and not a fresh
 * claim made in between (else it links it back), removing it and creating
 * its own.  The old owner, should it live on, sees at its next heartbeat
 * that the file is not its own any more (another inode) and gives the task
 * up.
 *
 * Staleness compares the file's mtime with this host's clock, so the hosts'
 * clocks must agree to well within the timeout.  A claim says nothing about
 * results: a task's result must itself be written once (truth_append_new),
 * since in the rare race above two processes may both finish it.
 *
 * Names are escaped for the filesystem: bytes other than [A-Za-z0-9._-]
 * become %XX. */
#ifndef ONESHOT_CLAIM_H
#define ONESHOT_CLAIM_H

#include <sys/types.h>

#include "err.h"

#define CLAIM_OWNER_MAX 160

struct claim {
    char *path;     /* DIR/NAME.claim, owned; NULL when nothing is held */
    int fd;         /* open on the claim file (-1: none) */
    dev_t dev;      /* the file this process created */
    ino_t ino;
    double beat;    /* ctx_seconds() of the last heartbeat */
    /* who held a stale claim that claim_take took over ("" when none), and
     * how many seconds its heartbeat was old */
    char taken_from[CLAIM_OWNER_MAX];
    double taken_age;
};

/* Tries to claim name in dir (which must exist), whose claims go stale after
 * stale seconds without a heartbeat.  1: claimed (c holds it; taken_from
 * says whether a stale claim was taken over); 0: held by another whose
 * heartbeat is fresh (or taken by another at this very moment); -1: error
 * (e names the file).  c is overwritten: release a claim before taking the
 * next. */
int claim_take(struct claim *c, const char *dir, const char *name, double stale, struct err *e);

/* The heartbeat: when at least `every` seconds passed since the last one
 * (every <= 0: now), refreshes the claim's mtime and checks that the claim
 * file is still this process's.  0: held; 1: lost (another took it over:
 * the caller must give up the task and call claim_release); -1: error. */
int claim_beat(struct claim *c, double every, struct err *e);

/* Ends the claim: removes the file if it is still this process's, closes
 * it, frees the path.  A claim never taken (path NULL) is a no-op. */
void claim_release(struct claim *c);

/* The age in seconds of a claim file's heartbeat (its mtime against this
 * host's clock), or -1 when there is no such file. */
double claim_age(const char *path);

#endif
