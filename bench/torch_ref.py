#!/usr/bin/python3
"""oneshot's PyTorch yardstick: the fmnist networks built from torch.nn.

Given an architecture string of the fmnist spaces (spaces/README.md), this
builds the same network as oneshot out of PyTorch's own modules and

  --info    prints its parameters and multiply-adds (counted the way
            `oneshot info` counts them, from PyTorch's modules instead of
            oneshot's tables);
  --bench   times it the way `oneshot bench` times oneshot: random data,
            untimed warm-up steps, timed training steps of one batch at the
            peak learning rate, then one timed forward pass of --eval-images
            images in inference mode after an untimed one;
  --train   trains it with the recipe of `oneshot train` (spaces/README.md,
            "Training recipe") on the first --train-images images of the
            training file and reports its accuracy on the last --val-images
            images of that file and on the test file.

It prints one JSON object on standard output, with the key names oneshot's
--json uses, so bench/run.sh can hold the two side by side.  Not part of
oneshot and not run by `make check`; it needs Debian's python3-torch and,
for --train, dataset-fashion-mnist:

    apt-get install python3-torch dataset-fashion-mnist
    bench/torch_ref.py --info --arch k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3
    bench/torch_ref.py --bench --threads 2 --arch k7e6-k7e6-...
    bench/torch_ref.py --train --epochs 3 --threads 2 --arch k3e3-...

What is not the same as oneshot: the random numbers (initial weights, batch
order), so a trained network's accuracy agrees only as far as seeds agree
with each other; the initialisation follows the same rule (PyTorch's default
for convolutions and linear layers, BatchNorm scale 1 and shift 0).
"""
import argparse
import gzip
import json
import math
import os
import re
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA_DIR = "/usr/share/datasets/fashion-mnist"
PIXEL_MEAN, PIXEL_STD = 0.2860, 0.3530
# The fmnist geometry (spaces/README.md, "Network"): 1x28x28 in, 10 classes,
# a 3x3 stride-2 stem to 16 channels, four stages given as (output channels,
# searchable layers, stride of the stage's first layer), a 1x1 head to 128.
IN_SHAPE, CLASSES = (1, 28, 28), 10
STEM_CHANNELS, HEAD_CHANNELS = 16, 128
STAGES = ((16, 2, 1), (24, 3, 2), (40, 3, 2), (64, 4, 1))
TOKEN = re.compile(r"^k([1-9][0-9]*)e([1-9][0-9]*)(s?)(h?)$")


class HardSigmoid(nn.Module):
    """relu6(x + 3) / 6, the gate of squeeze-and-excitation."""

    def forward(self, x):
        return F.relu6(x + 3.0) / 6.0


def activation(hard_swish):
    return nn.Hardswish() if hard_swish else nn.ReLU()


class SqueezeExcite(nn.Module):
    """Global average pool, 1x1 conv down to max(8, m // 4) channels (with
    bias), the block's activation, 1x1 conv back up (with bias), hard
    sigmoid, and the input scaled channel by channel."""

    def __init__(self, m, hard_swish):
        super().__init__()
        hidden = max(8, m // 4)
        self.gate = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(m, hidden, 1),
                                  activation(hard_swish), nn.Conv2d(hidden, m, 1), HardSigmoid())

    def forward(self, x):
        return x * self.gate(x)


def conv_bn(cin, cout, k, stride=1, groups=1, act=None):
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    if act is not None:
        layers.append(act)
    return layers


class InvertedResidual(nn.Module):
    """The searchable layer: expand 1x1 (left out when e == 1), depthwise kxk,
    optional squeeze-and-excitation, project 1x1 without activation, and the
    input added back when the layer keeps its shape."""

    def __init__(self, cin, cout, stride, k, e, se, hard_swish):
        super().__init__()
        m = cin * e
        parts = []
        if e != 1:
            parts += conv_bn(cin, m, 1, act=activation(hard_swish))
        parts += conv_bn(m, m, k, stride, groups=m, act=activation(hard_swish))
        if se:
            parts.append(SqueezeExcite(m, hard_swish))
        parts += conv_bn(m, cout, 1)
        self.body = nn.Sequential(*parts)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


def build(arch):
    """The network of an architecture string; ValueError names a bad token."""
    tokens = arch.split("-")
    layers = sum(n for _, n, _ in STAGES)
    if len(tokens) != layers:
        raise ValueError(f"{len(tokens)} layers given, the fmnist spaces have {layers}")
    blocks, cin, i = [], STEM_CHANNELS, 0
    for cout, n, first_stride in STAGES:
        for j in range(n):
            tok, stride = tokens[i], first_stride if j == 0 else 1
            i += 1
            if tok == "skip":
                if stride != 1 or cin != cout:
                    raise ValueError(f"layer {i}: 'skip' is not allowed where the shape changes")
                continue
            mt = TOKEN.match(tok)
            if not mt or int(mt.group(1)) % 2 == 0:
                raise ValueError(f"layer {i}: unknown choice '{tok}'")
            blocks.append(InvertedResidual(cin, cout, stride, int(mt.group(1)), int(mt.group(2)),
                                           mt.group(3) == "s", mt.group(4) == "h"))
            cin = cout
    return nn.Sequential(
        *conv_bn(IN_SHAPE[0], STEM_CHANNELS, 3, 2, act=nn.ReLU()),
        *blocks,
        *conv_bn(cin, HEAD_CHANNELS, 1, act=nn.ReLU()),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(HEAD_CHANNELS, CLASSES))


def multiply_adds(net):
    """Multiply-adds of one image's forward pass, counting only convolution
    and linear weights: each output element of a convolution costs its
    kernel's (cin / groups) x k x k, each output of a linear layer its
    inputs.  BatchNorm, activations, pooling and the SE scaling are free."""
    total = 0

    def count(module, inputs, out):
        nonlocal total
        if isinstance(module, nn.Conv2d):
            per_output = module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]
            total += out[0].numel() * per_output
        else:
            total += module.in_features * module.out_features

    hooks = [mod.register_forward_hook(count) for mod in net.modules()
             if isinstance(mod, (nn.Conv2d, nn.Linear))]
    was_training = net.training
    net.eval()
    with torch.no_grad():
        net(torch.zeros(1, *IN_SHAPE))
    net.train(was_training)
    for h in hooks:
        h.remove()
    return total


def read_idx(images_path, labels_path):
    """(images as float32 N x 1 x 28 x 28, normalised; labels as int64)."""
    with gzip.open(images_path, "rb") as f:
        magic, n, rows, cols = struct.unpack(">4I", f.read(16))
        if magic != 0x803:
            raise ValueError(f"{images_path}: not an IDX image file")
        pixels = np.frombuffer(f.read(n * rows * cols), dtype=np.uint8)
    with gzip.open(labels_path, "rb") as f:
        magic, m = struct.unpack(">2I", f.read(8))
        if magic != 0x801 or m != n:
            raise ValueError(f"{labels_path}: not the labels of {images_path}")
        labels = np.frombuffer(f.read(m), dtype=np.uint8)
    x = torch.from_numpy(pixels.reshape(n, 1, rows, cols).astype(np.float32))
    return (x / 255.0 - PIXEL_MEAN) / PIXEL_STD, torch.from_numpy(labels.astype(np.int64))


def accuracy(net, x, y, batch=500):
    """Share of right answers, None for no images (oneshot's eval batch)."""
    if len(x) == 0:
        return None
    net.eval()
    right = 0
    with torch.no_grad():
        for b in range(0, len(x), batch):
            right += (net(x[b:b + batch]).argmax(1) == y[b:b + batch]).sum().item()
    return right / len(x)


def sgd(net, lr):
    """The recipe's optimiser: weight decay on every parameter, BatchNorm's
    and biases included, as oneshot does."""
    return torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9, weight_decay=4e-5, nesterov=True)


def bench(net, a, out):
    gen = torch.Generator().manual_seed(a.seed)
    x = torch.randn(a.batch, *IN_SHAPE, generator=gen)
    y = torch.randint(0, CLASSES, (a.batch,), generator=gen)
    opt = sgd(net, a.lr)
    net.train()

    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(net(x), y).backward()
        opt.step()

    for _ in range(a.warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    train_s = time.perf_counter() - t0
    xe = torch.randn(a.eval_images, *IN_SHAPE, generator=gen)
    net.eval()
    with torch.no_grad():
        net(xe)
        t0 = time.perf_counter()
        net(xe)
        eval_s = time.perf_counter() - t0
    out.update(batch=a.batch, steps=a.steps, train_images_per_s=a.batch * a.steps / train_s,
               eval_images_per_s=a.eval_images / eval_s)


def train(net, a, out):
    x, y = read_idx(os.path.join(a.data, "train-images-idx3-ubyte.gz"),
                    os.path.join(a.data, "train-labels-idx1-ubyte.gz"))
    if a.train_images + a.val_images > len(x):
        raise ValueError(f"--train-images plus --val-images is more than the {len(x)} training images")
    xtr, ytr = x[:a.train_images], y[:a.train_images]
    xval, yval = x[len(x) - a.val_images:], y[len(x) - a.val_images:]
    xte, yte = read_idx(os.path.join(a.data, "t10k-images-idx3-ubyte.gz"),
                        os.path.join(a.data, "t10k-labels-idx1-ubyte.gz"))
    steps_per_epoch = a.train_images // a.batch  # the last partial batch is dropped
    total = a.epochs * steps_per_epoch
    opt = sgd(net, a.lr)
    gen = torch.Generator().manual_seed(a.seed)
    t0, step, loss = time.perf_counter(), 0, float("nan")
    for epoch in range(a.epochs):
        net.train()
        order = torch.randperm(a.train_images, generator=gen)
        for b in range(steps_per_epoch):
            # cosine decay per step, from the peak at step 0 towards 0 at the end
            for group in opt.param_groups:
                group["lr"] = a.lr * 0.5 * (1.0 + math.cos(math.pi * step / total))
            idx = order[b * a.batch:(b + 1) * a.batch]
            opt.zero_grad(set_to_none=True)
            batch_loss = F.cross_entropy(net(xtr[idx]), ytr[idx])
            batch_loss.backward()
            opt.step()
            step += 1
            loss = batch_loss.item()
        print(f"epoch {epoch + 1}/{a.epochs}: train loss {loss:.4f}, "
              f"{time.perf_counter() - t0:.0f} s", file=sys.stderr)
    seconds = time.perf_counter() - t0  # training only, as oneshot counts it
    out.update(epochs=a.epochs, train_images=a.train_images, val_images=a.val_images, batch=a.batch,
               lr=a.lr, steps=step, seed=a.seed, final_loss=loss,
               val_accuracy=accuracy(net, xval, yval), test_accuracy=accuracy(net, xte, yte),
               seconds=seconds)


def main():
    p = argparse.ArgumentParser(description="oneshot's PyTorch yardstick (see the top of the file)")
    p.add_argument("--arch", required=True, help="architecture string of the fmnist spaces")
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--info", action="store_true", help="parameters and multiply-adds only")
    mode.add_argument("--bench", action="store_true", help="training and inference throughput")
    mode.add_argument("--train", action="store_true", help="train, then validation and test accuracy")
    p.add_argument("--threads", type=int, default=os.cpu_count(), help="threads (default: all cores)")
    p.add_argument("--seed", type=int, default=0, help="weights, data order, random inputs (default 0)")
    p.add_argument("--batch", type=int, default=128, help="batch size (default 128)")
    p.add_argument("--lr", type=float, default=0.1, help="peak learning rate (default 0.1)")
    p.add_argument("--steps", type=int, default=30, help="bench: timed training steps (default 30)")
    p.add_argument("--warmup", type=int, default=5, help="bench: untimed steps first (default 5)")
    p.add_argument("--eval-images", type=int, default=1000, help="bench: images of the timed forward (default 1000)")
    p.add_argument("--epochs", type=int, default=3, help="train: epochs (default 3)")
    p.add_argument("--train-images", type=int, default=50000, help="train: the first N training images (default 50000)")
    p.add_argument("--val-images", type=int, default=10000, help="train: the last N training images (default 10000)")
    p.add_argument("--data", default=DATA_DIR, help=f"train: Fashion-MNIST directory (default {DATA_DIR})")
    a = p.parse_args()
    torch.set_num_threads(max(1, a.threads))
    torch.manual_seed(a.seed)
    try:
        net = build(a.arch)
    except ValueError as err:
        p.error(f"--arch: {err}")
    out = {"arch": a.arch, "params": sum(t.numel() for t in net.parameters()),
           "macs": multiply_adds(net), "threads": torch.get_num_threads(),
           "torch": torch.__version__}
    try:
        if a.bench:
            bench(net, a, out)
        elif a.train:
            train(net, a, out)
    except (OSError, ValueError) as err:
        print(f"torch_ref.py: error: {err}", file=sys.stderr)
        return 1
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
