/* tui_explore: `oneshot tui --explore SPACE`, a browser of a search space.
 *
 * The arrows pick each layer's choice; the architecture's parameters,
 * multiply-adds and latency on every device (the mobile-GPU and mobile-CPU
 * models, and a table or device of the user's) are shown layer by layer and
 * in total at once; with a supernet checkpoint, its inherited accuracy (BN
 * recalibrated) too.  `t` trains the architecture stand-alone in a thread
 * of its own and adds the result; a scatter places the architecture among
 * those seen so far, their front highlighted.  The screen is ui/tui.h's
 * terminal; what is drawn is a chart grid (ui/chart.h). */
#ifndef ONESHOT_TUI_EXPLORE_H
#define ONESHOT_TUI_EXPLORE_H

struct explore_opts {
    const char *space;    /* a built-in name or a space file */
    const char *supernet; /* a checkpoint of that space, or NULL */
    const char *lut;      /* a latency table file, or NULL */
    const char *device;   /* a device (host, mobile-gpu, mobile-cpu, a file), or NULL */
    const char *data;     /* Fashion-MNIST's directory, NULL: the default */
    int train_images, val_images, calib_images, epochs, threads;
};

/* Loads the space, its latency tables, the data and the supernet (errors
 * printed on standard error before the screen is taken), then runs the
 * explorer until q.  Standard input and output must be a terminal (the
 * caller checks).  At the end the architectures picked with Enter are
 * printed on standard output, one a line.  Returns the exit status: 0, 1 (an
 * error, printed), 130 (a signal). */
int tui_explore_main(const struct explore_opts *o);

#endif
