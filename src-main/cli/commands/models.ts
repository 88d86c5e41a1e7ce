import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { initBackend } from '../../engine/backend';
import { loadCheckpoint } from '../../engine/checkpoint';
import { encodePng, imageGrid } from '../../engine/image';
import { readNpy, writeNpy } from '../../engine/npy';
import { datasetFor } from '../checkpoint-data';
import { Output } from '../output';
import { integer } from '../parse';

export async function open(ckpt: string) {
  await initBackend();
  return loadCheckpoint(ckpt);
}

export function registerModelCommands(program: Command): void {
  program
    .command('encode')
    .description('write posterior means as NPY (float32 [n, d]) and labels beside them')
    .argument('<ckpt>', 'checkpoint directory')
    .option('--data <spec>', 'dataset (default: the one it was trained on)')
    .option('--split <which>', 'train | test | all', 'all')
    .option('--limit <n>', 'use at most N training items', integer(1))
    .requiredOption('--out <file>', 'output .npy file')
    .option('--json', 'print JSON')
    .action(
      async (
        ckpt: string,
        opts: { data?: string; split: string; limit?: number; out: string; json?: boolean },
      ) => {
        if (!['train', 'test', 'all'].includes(opts.split))
          throw new Error(`--split must be train, test or all`);
        const loaded = await open(ckpt);
        const { data } = await datasetFor(loaded, opts.data, opts.split as 'all', opts.limit);
        const d = loaded.vae.latentDim;
        const z = new Float32Array(data.count * d);
        const chunk = 2048;
        for (let i = 0; i < data.count; i += chunk) {
          const m = Math.min(chunk, data.count - i);
          const x = data.batch(Array.from({ length: m }, (_, j) => i + j));
          z.set(loaded.vae.encode(x, m), i * d);
        }
        await writeNpy(opts.out, z, [data.count, d]);
        let labelsFile: string | null = null;
        if (data.labels) {
          labelsFile = opts.out.replace(/\.npy$/i, '') + '.labels.npy';
          await writeNpy(labelsFile, data.labels, [data.count]);
        }
        new Output(Boolean(opts.json)).result(
          {
            out: path.resolve(opts.out),
            labels: labelsFile && path.resolve(labelsFile),
            n: data.count,
            d,
          },
          `wrote ${data.count} × ${d} latents to ${opts.out}${labelsFile ? ` and labels to ${labelsFile}` : ''}`,
        );
      },
    );

  const writeGrid = async (
    file: string,
    images: Float32Array,
    n: number,
    shape: number[],
    scale: number,
  ) => {
    const png = await encodePng(imageGrid(images, n, shape), scale);
    await writeFile(file, png);
  };

  program
    .command('decode')
    .description('decode latent vectors from an NPY file into a PNG grid')
    .argument('<ckpt>', 'checkpoint directory')
    .argument('<z>', 'NPY file of shape [n, d]')
    .requiredOption('--out <file>', 'output PNG')
    .option('--scale <k>', 'enlarge each pixel k times', integer(1, 16), 2)
    .option('--json', 'print JSON')
    .action(
      async (ckpt: string, zFile: string, opts: { out: string; scale: number; json?: boolean }) => {
        const loaded = await open(ckpt);
        const d = loaded.vae.latentDim;
        const npy = await readNpy(zFile);
        if (npy.shape.length !== 2 || npy.shape[1] !== d) {
          throw new Error(
            `${zFile}: shape [${npy.shape.join(', ')}], but this model decodes latents of shape [n, ${d}]`,
          );
        }
        const z = Float32Array.from(npy.data as ArrayLike<number>);
        const bad = z.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0)
          throw new Error(`${zFile}: row ${Math.floor(bad / d)} holds a NaN or Inf value`);
        const n = npy.shape[0];
        if (n === 0) throw new Error(`${zFile}: no rows to decode`);
        await writeGrid(
          opts.out,
          loaded.vae.decode(z, n),
          n,
          loaded.manifest.imageShape,
          opts.scale,
        );
        new Output(Boolean(opts.json)).result(
          { out: path.resolve(opts.out), n },
          `wrote ${n} decoded images to ${opts.out}`,
        );
      },
    );

  program
    .command('sample')
    .description("draw from the model's prior and write a PNG grid")
    .argument('<ckpt>', 'checkpoint directory')
    .option('--n <n>', 'number of samples', integer(1, 10000), 64)
    .option('--seed <n>', 'seed', integer(0), 0)
    .requiredOption('--out <file>', 'output PNG')
    .option('--latents <file>', 'also write the latent vectors as NPY')
    .option('--scale <k>', 'enlarge each pixel k times', integer(1, 16), 2)
    .option('--json', 'print JSON')
    .action(
      async (
        ckpt: string,
        opts: {
          n: number;
          seed: number;
          out: string;
          latents?: string;
          scale: number;
          json?: boolean;
        },
      ) => {
        const loaded = await open(ckpt);
        const z = loaded.vae.samplePrior(opts.n, opts.seed);
        await writeGrid(
          opts.out,
          loaded.vae.decode(z, opts.n),
          opts.n,
          loaded.manifest.imageShape,
          opts.scale,
        );
        if (opts.latents) await writeNpy(opts.latents, z, [opts.n, loaded.vae.latentDim]);
        new Output(Boolean(opts.json)).result(
          { out: path.resolve(opts.out), n: opts.n, seed: opts.seed },
          `wrote ${opts.n} samples to ${opts.out}`,
        );
      },
    );
}
