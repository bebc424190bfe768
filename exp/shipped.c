#include "shipped.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "luaspace.h"

int shipped_find(const char *kind, const char *name, char *out, size_t n, struct err *e)
{
    char exe[4096], dirs[3][4096];
    int nd = 0;
    const char *env = getenv("ONESHOT_DATADIR");
    if (env && *env)
        snprintf(dirs[nd++], sizeof dirs[0], "%s", env);
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            snprintf(dirs[nd++], sizeof dirs[0], "%s", exe);
            snprintf(dirs[nd++], sizeof dirs[0], "%.4000s/../share/oneshot", exe);
        }
    }
    for (int i = 0; i < nd; i++) {
        if ((size_t)snprintf(out, n, "%s/%s/%s", dirs[i], kind, name) >= n)
            continue;
        if (access(out, R_OK) == 0)
            return 0;
    }
    return err_plain(e, "no %s/%s in %s%s%s%s%s", kind, name, nd > 0 ? dirs[0] : "",
                     nd > 1 ? ", " : "", nd > 1 ? dirs[1] : "", nd > 2 ? " or " : "",
                     nd > 2 ? dirs[2] : "");
}

int shipped_space(struct space *s, const char *file, struct err *e)
{
    if (!file || !*file)
        file = "fmnist";
    if (space_builtin(s, file) == 0)
        return 0;
    if (access(file, F_OK) != 0)
        return err_set(e, file, 0, 0,
                       "neither a built-in space (fmnist, fmnist-se, fmnist-skip, fmnist-se-skip, "
                       "tiny) nor a space file: %s",
                       strerror(errno));
    return luaspace_load(s, file, e);
}

int shipped_device(struct latency_table *t, const char *device, const struct space *s,
                   const struct ctx *c, latency_progress_fn progress, void *user, struct err *e)
{
    if (strcmp(device, "host") == 0) {
        struct latency_opts o;
        latency_opts_default(&o);
        o.rounds = 3;
        o.repeats = 15;
        return latency_build(t, s, &o, c, progress, user, e);
    }
    char path[4096];
    if (strcmp(device, "mobile-gpu") == 0 || strcmp(device, "mobile-cpu") == 0) {
        char name[64];
        snprintf(name, sizeof name, "%s.yaml", device);
        if (shipped_find("devices", name, path, sizeof path, e))
            return -1;
        device = path;
    } else if (!strchr(device, '/') && !strchr(device, '.')) {
        return err_plain(e, "unknown device '%s' (host, mobile-gpu, mobile-cpu, or a path to a "
                            "table or device model)",
                         device);
    }
    return latency_table_load(t, device, s, e);
}
