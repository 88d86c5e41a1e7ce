#!/usr/bin/env bash
# Trains the demo models bundled in resources/demo with the project's own CLI. Small nets and
# slim checkpoints (no optimizer state) keep them a few MB in all.
set -euo pipefail
cd "$(dirname "$0")/.."
cli() { node --import tsx src-main/cli/main.ts "$@"; }
out=resources/demo
rm -rf "$out.new" && mkdir -p "$out.new"
cli train --data mnist --latent-dim 16 --hidden 256 --epochs 8 --seed 1 --slim --out "$out.new/mnist-gaussian-16"
cli train --data mnist --latent sphere --latent-dim 3 --hidden 256 --epochs 8 --seed 1 --slim --out "$out.new/mnist-sphere-3"
cli train --data shapes --latent-dim 6 --hidden 512 --epochs 30 --seed 1 --slim --out "$out.new/shapes-gaussian-6"
rm -rf "$out" && mv "$out.new" "$out"
# Each demo ships its cloud and UMAP, keyed by a hash of its weights (the first open is instant).
npx tsx scripts/cache-demos.ts "$out"
du -sh "$out"/*
