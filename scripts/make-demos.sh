#!/usr/bin/env bash
# Trains the demo models bundled in resources/demo with the project's own CLI, long enough that
# prior samples are recognisable, and writes a contact sheet of each one's prior samples to docs/.
# Small nets and slim checkpoints (no optimizer state) keep them a few MB in all. The Fashion-MNIST
# demo trains on all 60,000 images from Debian's dataset-fashion-mnist and bundles a 10k/10k copy
# for exploring (resources/datasets/fashion-mnist). About an hour on two idle cores.
set -euo pipefail
cd "$(dirname "$0")/.."
cli() { node --import tsx src-main/cli/main.ts "$@"; }
out=resources/demo
rm -rf "$out.new" && mkdir -p "$out.new"
fmnist=/usr/share/datasets/fashion-mnist
[ -f "$fmnist/train-images-idx3-ubyte.gz" ] || { echo "needs Debian's dataset-fashion-mnist ($fmnist)" >&2; exit 1; }
npx tsx scripts/bundle-fashion-mnist.ts "$fmnist"
export LATENT_ATLAS_FASHION_MNIST="$fmnist"
cli train --data mnist --latent-dim 8 --hidden 512,256 --epochs 40 --seed 1 --slim --out "$out.new/mnist-gaussian-8"
cli train --data mnist --latent sphere --latent-dim 3 --hidden 512,256 --epochs 40 --seed 1 --slim --out "$out.new/mnist-sphere-3"
cli train --data fashion-mnist --latent-dim 16 --hidden 512,256 --epochs 40 --seed 1 --slim --out "$out.new/fashion-gaussian-16"
cli train --data shapes --latent-dim 6 --hidden 512 --epochs 30 --seed 1 --slim --out "$out.new/shapes-gaussian-6"
rm -rf "$out" && mv "$out.new" "$out"
# Each demo ships its cloud and UMAP, keyed by a hash of its weights (the first open is instant).
npx tsx scripts/cache-demos.ts "$out"
for demo in "$out"/*/; do
  name=$(basename "$demo")
  cli sample "$demo" --n 64 --seed 1 --scale 2 --out "docs/demo-$name-prior.png"
done
du -sh "$out"/* resources/datasets
