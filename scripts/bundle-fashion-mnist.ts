// `npx tsx scripts/bundle-fashion-mnist.ts [FROM] [TO]`: the Fashion-MNIST copy the app bundles
// (resources/datasets/fashion-mnist) from Debian's dataset-fashion-mnist: the first 10,000
// training images and labels (the items the Fashion-MNIST demo's cloud shows) and the whole test
// set, as gzipped IDX files the `fashion-mnist` dataset reads like the full ones.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { readIdx } from '../src-main/engine/data/idx';
import { DEBIAN_FASHION_MNIST } from '../src-main/engine/data/fashion-mnist';

const TRAIN_ITEMS = 10_000;
const from = path.resolve(process.argv[2] ?? DEBIAN_FASHION_MNIST);
const to = path.resolve(process.argv[3] ?? 'resources/datasets/fashion-mnist');
await mkdir(to, { recursive: true });

/** An unsigned-byte IDX file holding the first `count` items of `file`. */
async function head(file: string, count: number): Promise<void> {
  const { dims, data } = await readIdx(path.join(from, file));
  const kept = [count, ...dims.slice(1)];
  const header = Buffer.alloc(4 + 4 * kept.length);
  header.writeUInt8(0x08, 2);
  header.writeUInt8(kept.length, 3);
  kept.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  const itemSize = dims.slice(1).reduce((a, b) => a * b, 1);
  const body = data.subarray(0, count * itemSize);
  await writeFile(path.join(to, file), gzipSync(Buffer.concat([header, body]), { level: 9 }));
}

await head('train-images-idx3-ubyte.gz', TRAIN_ITEMS);
await head('train-labels-idx1-ubyte.gz', TRAIN_ITEMS);
for (const file of ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'])
  await copyFile(path.join(from, file), path.join(to, file));
// Fashion-MNIST is MIT-licensed (Zalando SE); its notice travels with the copy.
await writeFile(
  path.join(to, 'README.md'),
  `# Fashion-MNIST (subset)

Xiao, Rasul & Vollgraf (2017), *Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine
Learning Algorithms*, https://github.com/zalandoresearch/fashion-mnist — MIT License,
Copyright (c) 2017 Zalando SE.

The first ${TRAIN_ITEMS.toLocaleString('en-US')} of the 60,000 training images and labels and the
whole 10,000-image test set, written by \`scripts/bundle-fashion-mnist.ts\` from Debian's
\`dataset-fashion-mnist\`. The app reads the full set from Debian's package or
\`$LATENT_ATLAS_FASHION_MNIST\` where present.
`,
);
console.log(`${to}: the first ${TRAIN_ITEMS} training items and the test set`);
