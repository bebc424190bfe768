/* Unit tests of sptune: Single-Path Mobile AutoML's tuning of lambda.
 *
 * The plan on synthetic step functions R(lambda): the bracket grows by the
 * growth factor, then bisects on ln lambda; it meets a reachable target
 * within the tolerance, and otherwise ends (a jump over the band, a target
 * out of reach on either side, the budget) with the best feasible trial, or
 * the fastest when none is.  On the engine (tests/spfixture.h's micro
 * space): a target the search reaches at some lambda is met within 5%, the
 * warm-up runs once (its steps counted) and each trial takes the steps
 * after it, the first trial equals an uninterrupted search at its lambda; a
 * tuning stopped in the warm-up and in a trial and opened again ends with
 * the uninterrupted tuning's trials, to the bit; trials.csv is read back
 * (a row cut short is cut off); other settings, a space it cannot search
 * and a warm-up that takes every step are refused. */
#include "sptune.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "ctx.h"
#include "spfixture.h"

/* ---- the plan, on synthetic R(lambda) ---- */

/* R steps down at lambda 3, 5, 7, 10 and 50; accuracy grows with R. */
static double synthetic_R(double lambda)
{
    const double at[] = {3, 5, 7, 10, 50}, level[] = {10, 8, 6, 5, 4, 3};
    int i = 0;
    while (i < 5 && lambda >= at[i])
        i++;
    return level[i];
}

/* Runs the plan to its end; returns the trials taken. */
static int plan_out(const struct sptune_config *c, struct sptune_trial *t, enum sptune_end *end)
{
    int n = 0;
    double lambda;
    while (sptune_plan(t, n, c, &lambda, end)) {
        if (!CHECK(n < SPTUNE_MAX_TRIALS))
            break;
        memset(&t[n], 0, sizeof t[n]);
        t[n].lambda = lambda;
        t[n].predicted_ms = synthetic_R(lambda);
        t[n].val_accuracy = 0.5 + t[n].predicted_ms / 100;
        n++;
    }
    return n;
}

static void test_plan(void)
{
    struct sptune_config c;
    sptune_config_default(&c);
    c.trials = 20;
    struct sptune_trial t[SPTUNE_MAX_TRIALS];
    enum sptune_end end;
    /* reachable: 20 (R 4), 2 (R 10), then sqrt(2 * 20) = 6.32 (R 6) */
    c.target_ms = 6;
    int n = plan_out(&c, t, &end);
    CHECK_EQ_INT(end, SPTUNE_MET);
    CHECK_EQ_INT(n, 3);
    CHECK(t[0].lambda == 20 && t[1].lambda == 2);
    CHECK_NEAR(t[2].lambda, sqrt(40), 1e-12);
    CHECK_EQ_INT(sptune_choose(t, n, &c), 2);
    /* within 5% counts from above too */
    c.target_ms = 5.8;
    n = plan_out(&c, t, &end);
    CHECK_EQ_INT(end, SPTUNE_MET);
    CHECK(t[sptune_choose(t, n, &c)].predicted_ms == 6);
    /* 7: R jumps from 8 to 6 at lambda 5; the bisection closes in on it,
     * and the best feasible (6, the most accurate at most 7) is chosen */
    c.target_ms = 7;
    n = plan_out(&c, t, &end);
    CHECK_EQ_INT(end, SPTUNE_JUMP);
    int k = sptune_choose(t, n, &c);
    CHECK(t[k].predicted_ms == 6);
    double lo = 0, hi = INFINITY;
    for (int i = 0; i < n; i++) {
        if (t[i].predicted_ms > 7 && t[i].lambda > lo)
            lo = t[i].lambda;
        if (t[i].predicted_ms <= 7 && t[i].lambda < hi)
            hi = t[i].lambda;
    }
    CHECK(lo < 5 && hi >= 5 && hi / lo < SPTUNE_MIN_RATIO);
    /* ... or the budget ends it first */
    c.trials = 4;
    n = plan_out(&c, t, &end);
    CHECK_EQ_INT(end, SPTUNE_BUDGET);
    CHECK_EQ_INT(n, 4);
    CHECK(t[sptune_choose(t, n, &c)].predicted_ms == 6);
    c.trials = 20;
    /* below the smallest: up to lambda_max; none feasible, the fastest chosen */
    c.target_ms = 2;
    n = plan_out(&c, t, &end);
    CHECK_EQ_INT(end, SPTUNE_TOO_FAST);
    CHECK(t[n - 1].lambda == c.lambda_max);
    CHECK_EQ_INT(n, 6); /* 20, 200, ..., 2e5, 1e6 */
    k = sptune_choose(t, n, &c);
    CHECK(t[k].predicted_ms == 3 && k == 1); /* the first of the fastest with equal accuracy */
    /* above the largest: down to lambda_min, then 0; the most accurate */
    c.target_ms = 100;
    n = plan_out(&c, t, &end);
    CHECK_EQ_INT(end, SPTUNE_TOO_SLOW);
    CHECK(t[n - 1].lambda == 0 && t[n - 2].lambda == c.lambda_min);
    CHECK(t[sptune_choose(t, n, &c)].predicted_ms == 10);
    /* a band between lambda 0 and lambda_min */
    c.target_ms = 9;
    c.lambda_min = 1; /* R(1) 10, so: 20, 2, 1 (R 10 > 9): lo 1 ... */
    n = plan_out(&c, t, &end);
    CHECK(end == SPTUNE_JUMP || end == SPTUNE_MET);
    CHECK(sptune_choose(t, 0, &c) == -1);
}

/* ---- on the engine ---- */

static void setup(struct fixture *f)
{
    fixture_open(f, 1, 64);
    f->cfg.epochs = 6;
    f->cfg.lr = 0.5;
    f->cfg.warmup_epochs = 2; /* 8 steps of 24 */
}

static int tune_open(struct sptune *tn, struct fixture *f, const char *dir,
                     const struct sptune_config *c)
{
    struct err e;
    if (sptune_open(tn, dir, &f->s, &f->t, &f->train, &f->val, &f->cfg, c, &e)) {
        printf("  %s\n", e.msg);
        return -1;
    }
    return 0;
}

/* Steps tn to its end (steps < 0) or that many steps; the status. */
static int tune_steps(struct sptune *tn, int steps)
{
    struct err e;
    int rc = 1;
    for (int i = 0; (steps < 0 || i < steps) && (rc = sptune_step(tn, &e)) == 1; i++)
        ;
    if (rc < 0)
        printf("  %s\n", e.msg);
    return rc;
}

static int same_trials(const struct sptune *a, const struct sptune *b)
{
    if (a->ntrials != b->ntrials)
        return 0;
    for (int i = 0; i < a->ntrials; i++) {
        const struct sptune_trial *x = &a->trial[i], *y = &b->trial[i];
        if (x->lambda != y->lambda || x->predicted_ms != y->predicted_ms ||
            x->val_accuracy != y->val_accuracy || !arch_equal(&x->arch, &y->arch) ||
            memcmp(x->on, y->on, sizeof x->on))
            return 0;
    }
    return 1;
}

static void remove_dir(const char *dir)
{
    const char *names[] = {"trials.csv", "warmup.ckpt", "warmup-part.ckpt", "trial.ckpt"};
    char p[256];
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
}

static void test_tune(void)
{
    struct fixture f;
    setup(&f);
    char top[64], a[96], b[96], x[96];
    snprintf(top, sizeof top, "/tmp/oneshot-test-sptune-XXXXXX");
    if (!CHECK(mkdtemp(top) != NULL))
        return;
    snprintf(a, sizeof a, "%s/a", top);
    snprintf(b, sizeof b, "%s/b", top);
    snprintf(x, sizeof x, "%s/x", top);
    /* the target: what an uninterrupted search reaches at lambda 3.5 (inside
     * a plateau of R); lambda0 20 lands on another */
    struct spnet_readout r35, r20;
    fixture_search(&f, 3.5, &r35);
    fixture_search(&f, 20, &r20);
    CHECK(r20.runtime_ms < r35.runtime_ms);
    struct sptune_config c;
    sptune_config_default(&c);
    c.target_ms = r35.runtime_ms;
    c.trials = 10;
    c.eval_batch = 16;
    struct sptune A, B;
    if (tune_open(&A, &f, a, &c))
        goto out;
    CHECK_EQ_INT(A.phase, SPTUNE_WARMUP);
    CHECK(!A.warmup_reused && !A.resumed && !A.note[0]);
    int trials_seen = 0, warmups_ended = 0;
    struct err e;
    int rc;
    while ((rc = sptune_step(&A, &e)) == 1) {
        trials_seen += A.finished;
        warmups_ended += A.warmup_done;
    }
    trials_seen += A.finished;
    if (!CHECK(rc == 0))
        printf("  %s\n", e.msg);
    CHECK_EQ_INT(A.phase, SPTUNE_DONE);
    CHECK_EQ_INT(A.end, SPTUNE_MET);
    CHECK(A.ntrials >= 2 && A.ntrials < 10);
    CHECK_EQ_INT(trials_seen, A.ntrials);
    CHECK_EQ_INT(warmups_ended, 1);
    const struct sptune_trial *ch = &A.trial[A.chosen];
    CHECK(fabs(ch->predicted_ms - c.target_ms) <= 0.05 * c.target_ms);
    CHECK(ch->predicted_ms == latency_predict(&f.t, &ch->arch));
    /* the warm-up ran once; every trial took the 16 steps after it */
    CHECK_EQ_INT(A.warmup_steps_run, 8);
    CHECK_EQ_INT(A.trial_steps_run, 16 * A.ntrials);
    CHECK(sptune_fraction(&A) == 1);
    /* the first trial is the uninterrupted search at 20 */
    CHECK(A.trial[0].lambda == 20);
    CHECK(A.trial[0].predicted_ms == r20.runtime_ms);
    CHECK(arch_equal(&A.trial[0].arch, &r20.arch));
    for (int i = 0; i < A.ntrials; i++)
        CHECK(A.trial[i].val_accuracy >= 0 && A.trial[i].val_accuracy <= 1 &&
              A.trial[i].seconds > 0);
    if (getenv("SP_VERBOSE"))
        for (int i = 0; i < A.ntrials; i++)
            printf("  trial %d: lambda %g, R %.5f (target %.5f), accuracy %.4f\n", i + 1,
                   A.trial[i].lambda, A.trial[i].predicted_ms, c.target_ms,
                   A.trial[i].val_accuracy);

    /* stopped in the warm-up, and again in the second trial: the same trials */
    if (!tune_open(&B, &f, b, &c)) {
        CHECK(tune_steps(&B, 5) == 1);
        CHECK(B.phase == SPTUNE_WARMUP && B.sp.step == 5);
        CHECK(sptune_save(&B, &e) == 0);
        sptune_close(&B);
    }
    if (!tune_open(&B, &f, b, &c)) {
        CHECK(B.resumed && !B.warmup_reused && B.sp.step == 5);
        while (B.ntrials < 1 || B.sp.step < 13)
            if (!CHECK(tune_steps(&B, 1) == 1))
                break;
        CHECK_EQ_INT(B.warmup_steps_run, 3);
        CHECK(B.phase == SPTUNE_TRIAL && B.ntrials == 1);
        CHECK(sptune_save(&B, &e) == 0);
        sptune_close(&B);
    }
    if (!tune_open(&B, &f, b, &c)) {
        CHECK(B.resumed && B.warmup_reused && B.sp.step == 13 && B.phase == SPTUNE_TRIAL);
        CHECK(tune_steps(&B, -1) == 0);
        CHECK_EQ_INT(B.warmup_steps_run, 0);
        CHECK(same_trials(&A, &B));
        CHECK_EQ_INT(B.end, SPTUNE_MET);
        sptune_close(&B);
    }
    /* done: opened again, read back, nothing to run; a row cut short is cut */
    char csv[128];
    snprintf(csv, sizeof csv, "%s/trials.csv", a);
    FILE *fp = fopen(csv, "a");
    if (CHECK(fp != NULL)) {
        fputs("20,0.0123", fp);
        fclose(fp);
    }
    if (!tune_open(&B, &f, a, &c)) {
        CHECK(B.phase == SPTUNE_DONE && B.chosen == A.chosen && B.end == SPTUNE_MET);
        CHECK(same_trials(&A, &B));
        CHECK(tune_steps(&B, -1) == 0);
        CHECK(B.warmup_steps_run == 0 && B.trial_steps_run == 0);
        sptune_close(&B);
    }
    fp = fopen(csv, "r");
    if (CHECK(fp != NULL)) {
        char buf[4096];
        size_t n = fread(buf, 1, sizeof buf - 1, fp);
        buf[n] = 0;
        fclose(fp);
        CHECK(n > 0 && buf[n - 1] == '\n' && !strstr(buf, "0.0123"));
    }
    /* refused: another target, a warm-up of every step, a space it cannot
     * search */
    struct sptune_config c2 = c;
    c2.target_ms = 2 * c.target_ms;
    CHECK(sptune_open(&B, a, &f.s, &f.t, &f.train, &f.val, &f.cfg, &c2, &e) == -1);
    CHECK(strstr(e.msg, "trials.csv:1:") && strstr(e.msg, "with target_ms="));
    struct sp_config s2 = f.cfg;
    s2.warmup_epochs = 6;
    CHECK(sptune_open(&B, x, &f.s, &f.t, &f.train, &f.val, &s2, &c, &e) == -1);
    CHECK(strstr(e.msg, "lambda never acts") != NULL);
    s2 = f.cfg;
    s2.seed = 10; /* the trials came from another warm-up */
    CHECK(sptune_open(&B, a, &f.s, &f.t, &f.train, &f.val, &s2, &c, &e) == -1);
    CHECK(strstr(e.msg, "warmup.ckpt: error: was saved by a run with another seed") != NULL);
    struct space tiny;
    space_builtin(&tiny, "tiny");
    CHECK(sptune_open(&B, x, &tiny, &f.t, &f.train, &f.val, &f.cfg, &c, &e) == -1);
    CHECK(strncmp(e.msg, "tiny: error: Single-Path NAS cannot search", 42) == 0);
    /* a warm-up checkpoint that is none, while no trial depends on it: the
     * warm-up runs again, and the note says why */
    char bad[128];
    snprintf(bad, sizeof bad, "%s/warmup.ckpt", x);
    fp = fopen(bad, "w");
    if (CHECK(fp != NULL)) {
        fputs("not a checkpoint\n", fp);
        fclose(fp);
    }
    if (!tune_open(&B, &f, x, &c)) {
        CHECK(B.phase == SPTUNE_WARMUP && !B.warmup_reused);
        CHECK(strncmp(B.note, bad, strlen(bad)) == 0 && strstr(B.note, ": error: "));
        sptune_close(&B);
    }
    sptune_close(&A);
out:
    remove_dir(a);
    remove_dir(b);
    remove_dir(x);
    rmdir(top);
    dataset_done(&f.d);
}

/* A target below the smallest network: every trial too slow, the fastest
 * chosen when the budget ends; the warm-up, saved, serves a second tuning
 * in the same directory (a larger budget continues), and the decisions'
 * text says which are on. */
static void test_unreachable(void)
{
    struct fixture f;
    setup(&f);
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/oneshot-test-sptune-XXXXXX");
    if (!CHECK(mkdtemp(dir) != NULL))
        return;
    struct arch small;
    uniform_arch(&small, &f.s, "k3e2", 1);
    struct sptune_config c;
    sptune_config_default(&c);
    c.target_ms = 0.5 * latency_predict(&f.t, &small);
    c.trials = 2;
    c.eval_batch = 32;
    struct sptune tn;
    if (tune_open(&tn, &f, dir, &c))
        goto out;
    CHECK(tune_steps(&tn, -1) == 0);
    CHECK_EQ_INT(tn.end, SPTUNE_BUDGET);
    CHECK_EQ_INT(tn.ntrials, 2);
    CHECK(tn.trial[0].lambda == 20 && tn.trial[1].lambda == 200);
    int k = tn.chosen;
    CHECK(k >= 0 && tn.trial[k].predicted_ms > c.target_ms);
    for (int i = 0; i < tn.ntrials; i++)
        CHECK(tn.trial[k].predicted_ms <= tn.trial[i].predicted_ms);
    CHECK_EQ_INT(tn.warmup_steps_run, 8);
    sptune_close(&tn);
    c.trials = 3;
    if (!tune_open(&tn, &f, dir, &c)) {
        CHECK(tn.warmup_reused && tn.phase == SPTUNE_TRIAL);
        CHECK(tune_steps(&tn, -1) == 0);
        CHECK_EQ_INT(tn.ntrials, 3);
        CHECK(tn.trial[2].lambda == 2000);
        CHECK_EQ_INT(tn.warmup_steps_run, 0);
        CHECK_EQ_INT(tn.trial_steps_run, 16);
        /* lambda 200 reaches the smallest network: k3e2 without SE, skip
         * where allowed (the second layer of each stage; what the other
         * decisions of a skipped layer are does not matter).  (2000 does
         * not: the runtime's push, momentum and all, carries the weights
         * past 0, and their norms grow again.) */
        k = tn.chosen;
        CHECK_EQ_INT(k, 1);
        CHECK(arch_equal(&tn.trial[k].arch, &small));
        for (int i = 0; i < tn.ntrials; i++)
            CHECK(tn.trial[k].predicted_ms <= tn.trial[i].predicted_ms);
        char dec[256];
        sptune_format_decisions(&tn, &tn.trial[k], dec, sizeof dec);
        CHECK_EQ_INT(strlen(dec), 23);
        for (int l = 0; l < 4 && strlen(dec) == 23; l++) {
            const char *d = dec + 6 * l;
            if (!CHECK(l % 2 ? d[SK_DKEEP] == '0'
                             : d[SK_D5] == '0' && d[SK_D6] == '0' && d[SK_DSE] == '0' &&
                                   d[SK_DKEEP] == '.'))
                printf("  layer %d: %.5s\n", l + 1, d);
        }
        sptune_close(&tn);
    }
out:
    remove_dir(dir);
    dataset_done(&f.d);
}

int main(void)
{
    struct ctx ctx;
    ctx_init(&ctx, 1);
    RUN(test_plan);
    RUN(test_tune);
    RUN(test_unreachable);
    return check_done();
}
