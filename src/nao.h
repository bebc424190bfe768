/* nao: the controller of Neural Architecture Optimization (NAO, Luo et al.
 * 2018, with the settings of NAO-V2's code, arXiv 1909.10815): an encoder that
 * maps an architecture to a vector, a predictor of its accuracy from the
 * vector, and a decoder that maps a vector back to an architecture; new
 * architectures come from moving the vectors of good ones along the
 * predictor's gradient and decoding them (src/naogen.h).  Computed in double
 * (the controller is small, and its gradients are checked to 1e-6).
 *
 * Tokens.  An architecture of a space (src/arch.h) is a sequence of L tokens,
 * one per searchable layer: its choice index.  The vocabulary is the space's
 * V - 1 choices and a start token (V - 1).
 *
 * Encoder.  Embedding (E), one-layer LSTM (hidden H, src/lstm.h) over the L
 * tokens from h = c = 0; each step's output h_t, L2-normalised, is the
 * encoder output o_t; the architecture's embedding is
 *     e = normalize(m),  m = (1/L) sum_t o_t.
 * Predictor.  f = sigmoid(w . e + b), trained against the pool's accuracies
 * min-max normalised to [0, 1].
 * Decoder.  Its own embedding (E) and one-layer LSTM (H) started from
 * h = c = e; teacher forcing: its inputs are the start token then the target
 * shifted by one.  At step t with hidden s_t, dot-product attention over the
 * encoder outputs, q = W_in s_t, a_j = softmax_j(q . o_j),
 * u = tanh(W_out [sum_j a_j o_j ; s_t]), then logits = W_o u + b_o over the
 * vocabulary and a log-softmax.  Greedy decoding takes at step t the most
 * likely of the choices layer t allows (space->allowed), so every decoded
 * string is a valid architecture; the training loss is not masked (as the
 * authors' code).
 * Loss.  trade_off * MSE(f, target) + (1 - trade_off) * NLL, the MSE a mean
 * over the batch, the NLL over its tokens; trade_off = 0.8.
 * Training.  A round (nao_train_begin, then nao_train_step per epoch) restarts
 * Adam (optim.h; lr 1e-3) and keeps the weights of earlier rounds; batches of
 * 100 in a seeded order, the gradient clipped to norm 5.
 *
 * The predictor's gradient.  The gradient of f with respect to each encoder
 * output has a closed form, the same vector for every t:
 *     df/do_t = f (1 - f) / (L |m|) * (w - (w . e) e)
 * (chain rule: df/de = f(1 - f) w; de/dm = (I - e e^T) / |m|, the Jacobian of
 * normalisation; dm/do_t = I / L).  Moving the encoder outputs along it and
 * decoding them, into new architectures: src/naogen.h.  Nothing here is
 * random: only the initial weights and the order of training draw from the
 * seed.
 *
 * Where this differs from the authors' code (renqianluo/NAO_pytorch,
 * NAO_V2): one token per layer (theirs pairs a node's input and op tokens
 * into one step), no dropout, one bias per LSTM gate (PyTorch has two, whose
 * sum is one), and no swap augmentation of the training pool (their cell
 * space has symmetric node inputs; the spaces here have none, and the
 * canonical form plays its part in de-duplication).
 *
 * Saving and loading the controller: src/naockpt.h.
 *
 * Ownership and errors as elsewhere in the engine: _new/_free, functions
 * return 0 or -1 with a struct err filled (a stepper 1 while work remains);
 * nothing prints, nothing is global. */
#ifndef ONESHOT_NAO_H
#define ONESHOT_NAO_H

#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "err.h"
#include "space.h"

struct nao_config {
    int embed;        /* token embedding size: 64 */
    int hidden;       /* LSTM hidden size, and the size of an embedding: 64 */
    double trade_off; /* weight of the predictor's MSE; the NLL's is 1 - it: 0.8 */
    double lr;        /* Adam's learning rate: 1e-3 */
    double clip;      /* the gradient's norm is clipped to this (0: no clipping): 5 */
    int batch;        /* architectures per training step, and per inference pass: 100 */
    uint64_t seed;    /* initial weights and the order of training: 1 */
};

/* NAO-V2's settings above. */
void nao_config_default(struct nao_config *c);

/* The controller's parameters, each a tensor of one allocation (struct nao's
 * w), in this order. */
enum nao_tensor {
    NAO_ENC_EMB,  /* [V][E]       encoder token embedding */
    NAO_ENC_W,    /* [4H][E + H]  encoder LSTM weights (gates i, f, g, o) */
    NAO_ENC_B,    /* [4H]         encoder LSTM bias */
    NAO_PRED_W,   /* [H]          predictor weight */
    NAO_PRED_B,   /* [1]          predictor bias */
    NAO_DEC_EMB,  /* [V][E]       decoder token embedding */
    NAO_DEC_W,    /* [4H][E + H]  decoder LSTM weights */
    NAO_DEC_B,    /* [4H]         decoder LSTM bias */
    NAO_ATT_IN,   /* [H][H]       attention query projection W_in */
    NAO_ATT_OUT,  /* [H][2H]      attention output projection W_out (context first) */
    NAO_OUT_W,    /* [V][H]       output layer to the vocabulary */
    NAO_OUT_B,    /* [V]          its bias */
    NAO_NTENSORS
};

struct nao_work; /* the forward's activations and the backward's scratch (nao.c) */

struct nao {
    struct space space;     /* a copy */
    struct nao_config cfg;
    int V, L, E, H;         /* vocabulary (choices + start), layers, embed, hidden */
    size_t nparams;
    double *w;              /* [nparams] the parameters (enum nao_tensor) */
    double *g;              /* [nparams] their gradient (nao_loss) */
    double *adam_m, *adam_v; /* [nparams] Adam's moments, zeroed at each round */
    size_t off[NAO_NTENSORS + 1]; /* where each tensor starts in w; off[NAO_NTENSORS] = nparams */
    long epochs_done;       /* epochs trained over every round (names each epoch's order) */
    /* the round being trained (nao_train_begin): owned copies */
    struct arch *pool;      /* [npool] */
    double *target;         /* [npool] accuracies min-max normalised to [0, 1] */
    int *order;             /* [npool] */
    int npool, epoch, epochs;
    long adam_t;            /* Adam's steps this round */
    struct nao_work *work;
};

/* A controller for space s (copied) with fresh weights: PyTorch's default
 * initialisation of each layer kind (embeddings N(0, 1), the LSTMs'
 * weights and biases U(-1/sqrt(H), 1/sqrt(H)), linear layers
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in))) drawn from (cfg->seed,
 * RNG_STREAM_CONTROLLER).  Errors: sizes or rates out of range, a space with
 * no layer, out of memory.  NULL with e filled on error. */
struct nao *nao_new(const struct space *s, const struct nao_config *cfg, struct err *e);
/* Frees n (NULL: nothing). */
void nao_free(struct nao *n);

/* The bytes a controller nao_new(s, cfg) makes holds between calls
 * (weights, gradient, Adam's moments and the work space; not a training
 * round's copy of its pool, nor the scratch of a call), known before making
 * it.  For sizes nao_new accepts. */
size_t nao_memory(const struct space *s, const struct nao_config *cfg);

/* Where tensor t starts in n->w (and n->g); its size in *size and its name
 * ("enc_emb", ...) in *name when those are not NULL. */
size_t nao_tensor(const struct nao *n, enum nao_tensor t, size_t *size, const char **name);

/* The loss of one batch. */
struct nao_loss {
    double loss, mse, nll; /* loss = trade_off * mse + (1 - trade_off) * nll */
};

/* The loss of count (1..cfg.batch) architectures against targets in [0, 1]
 * (not normalised here), with teacher forcing; with grad, its gradient is
 * written into n->g (overwritten).  Errors: a count out of range, an
 * architecture that is not one of the space's. */
int nao_loss(struct nao *n, const struct arch *archs, const double *target, int count, int grad,
             struct nao_loss *out, struct err *e);

/* A training round over count architectures with accuracies acc (any scale:
 * min-max normalised here; all equal: every target is 0.5), for epochs
 * epochs.  Copies what it needs; restarts Adam; keeps the weights.  Errors:
 * count < 1, epochs < 0, an invalid architecture, a non-finite accuracy, out
 * of memory. */
int nao_train_begin(struct nao *n, const struct arch *archs, const double *acc, int count,
                    int epochs, struct err *e);

/* One epoch of the round: the pool in the order drawn from (cfg.seed,
 * RNG_STREAM_CONTROLLER + 16 * (1 + epochs_done)), in batches of cfg.batch,
 * one Adam step each.  *out (may be NULL) gets the epoch's losses, averaged
 * over its architectures.  Returns 1 while epochs remain after this one, 0
 * when the round is done (a call after the last epoch trains nothing), -1
 * on error (a call before any nao_train_begin is one). */
int nao_train_step(struct nao *n, struct nao_loss *out, struct err *e);

/* Ends the round being trained, if any: frees its copy of the pool (the
 * weights and the count of epochs trained stay). */
void nao_train_end(struct nao *n);

/* A whole round: nao_train_begin, then every epoch.  *last (may be NULL)
 * gets the last epoch's losses (zeros for 0 epochs). */
int nao_train(struct nao *n, const struct arch *archs, const double *acc, int count, int epochs,
              struct nao_loss *last, struct err *e);

/* The predictor's output f in (0, 1) for count architectures (any count >= 0). */
int nao_predict(struct nao *n, const struct arch *archs, int count, double *f, struct err *e);

/* Each architecture encoded and decoded greedily (masked to the allowed
 * choices) into out[count]: the controller's reconstruction of it. */
int nao_reconstruct(struct nao *n, const struct arch *archs, int count, struct arch *out,
                    struct err *e);

/* The encoder outputs of count architectures into o [count][L][H] (each
 * o_t of unit length), and their embeddings into emb [count][H] (NULL: not
 * wanted). */
int nao_encode(struct nao *n, const struct arch *archs, int count, double *o, double *emb,
               struct err *e);

/* 0 when each of count architectures is one of the controller's space's;
 * else -1 with e filled ("architecture i of count is not one of the
 * space's"), the check of every call here that takes architectures. */
int nao_check(const struct nao *n, const struct arch *archs, int count, struct err *e);

/* Greedy decoding (masked to the allowed choices) from vectors o
 * [count][L][H] in place of encoder outputs, into out[count]: each o_t
 * normalised first (as the encoder's outputs are), the embedding
 * normalize(mean o_t), the decoder started from it with attention over the
 * normalised o_t.  How src/naogen.h decodes moved outputs.  Errors: count
 * < 0. */
int nao_decode(struct nao *n, const double *o, int count, struct arch *out, struct err *e);

/* f as a function of one architecture's encoder outputs o [L][H] alone
 * (normalize the mean, the predictor; no LSTM): what src/naogen.h moves. */
double nao_predict_outputs(const struct nao *n, const double *o);
/* df/do_t of nao_predict_outputs at o [L][H], the same for every t (the
 * closed form above): into grad [H]. */
void nao_outputs_grad(const struct nao *n, const double *o, double *grad);

#endif
