#!/usr/bin/env bash
# Makes the seed checkpoints of the checkpoint harness with oneshot itself:
# supernets of the micro space (micro.lua) with each sampler, saved after
# one of their two steps, and a trained network of it.  The settings are the
# harness's (tests/fuzz/fuzz_ckpt.c): 8 training images, batch 4, 1 epoch,
# lr 0.1, seed 0; proportional with repeat 2 and a pool of 3.  They train on
# a small data set of 12 blank images written here.
# Usage: tests/fuzz/ckpt/make-seeds.sh [ONESHOT]   (from the top directory)
set -eu
oneshot=${1:-./oneshot}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
be32() { printf "\\x$(printf %02x $(($1 >> 24 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 & 255)))"; }
for set in train t10k; do
    { printf '\x00\x00\x08\x03'; be32 12; be32 28; be32 28; head -c $((12 * 784)) /dev/zero; } |
        gzip -n > "$tmp/$set-images-idx3-ubyte.gz"
    { printf '\x00\x00\x08\x01'; be32 12; printf '\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x00\x01'; } |
        gzip -n > "$tmp/$set-labels-idx1-ubyte.gz"
done
common=(--space "$here/micro.lua" --epochs 1 --train-images 8 --val-images 2 --batch 4
        --threads 1 --data "$tmp")
for s in fair uniform; do
    "$oneshot" supernet "${common[@]}" --sampler $s --stop-after 1 --out "$here/seeds/supernet-$s.ckpt" >/dev/null
done
"$oneshot" supernet "${common[@]}" --sampler proportional --repeat 2 --pool 3 --stop-after 1 \
    --out "$here/seeds/supernet-proportional.ckpt" >/dev/null
"$oneshot" train "${common[@]}" --arch k3e2s-skip --save "$here/seeds/network.ckpt" >/dev/null
ls -l "$here/seeds"
