import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { tf } from '../tf';
import { ModelConfig } from '../../shared/config';
import { parseNpy } from '../../shared/maths/npy';
import { mixSeed, mulberry32, normal } from '../../shared/random';
import type { LatentGeometry } from '../latent/geometry';
import { createGeometry } from '../latent/registry';
import type { LatentModel } from '../model/latent-model';
import { ColumnCategories, EMBEDDING_FILES, type EmbeddingInfo } from './format';
import { readSprite } from './sprite';

/** Why an imported embedding cannot decode: the line every refusal and the page say. */
export const NO_DECODER = 'an imported embedding has no decoder: its points are given vectors';
/** Why it cannot encode. */
export const NO_ENCODER = 'an imported embedding has no encoder: its points are given vectors';

/** One metadata column as the cloud carries it (api/records.ts MetadataColumn). */
export type EmbeddingColumn =
  | { name: string; kind: 'number'; values: Float32Array }
  | { name: string; kind: 'category'; codes: Int32Array; categories: string[] };

/**
 * An embedding imported from vectors (format.ts): points with metadata and perhaps thumbnails,
 * and no nets. It answers the `LatentModel` questions it can (its dimension, prior samples from
 * N(0, I), which coverage compares the points with) and refuses encoding and decoding with one
 * line that says why. Its vectors, metadata and thumbnails are read on first use, so listing a
 * library of embeddings reads only their descriptions.
 */
export class EmbeddingModel implements LatentModel {
  readonly config: ModelConfig;
  readonly geometry: LatentGeometry;
  readonly latentDim: number;
  readonly inputSize: number;
  readonly encoding = null;
  readonly noEncoder = NO_ENCODER;
  readonly pointEstimate = false;
  /** One thumbnail, [h, w, c], or [d] when there are none. */
  readonly itemShape: number[];
  private vectorsRead?: Promise<Float32Array>;
  private columnsRead?: Promise<EmbeddingColumn[]>;
  private spriteRead?: Promise<Uint8Array>;

  constructor(
    readonly dir: string,
    readonly info: EmbeddingInfo,
  ) {
    this.latentDim = info.d;
    const thumbs = info.thumbs;
    this.itemShape = thumbs ? [thumbs.height, thumbs.width, thumbs.channels] : [info.d];
    this.inputSize = this.itemShape.reduce((a, b) => a * b, 1);
    this.config = ModelConfig.parse({
      inputShape: this.itemShape,
      latent: { kind: 'gaussian', dim: info.d },
      objective: { kind: 'kl', weight: 1 },
      net: { kind: 'mlp' },
      likelihood: 'bernoulli',
    });
    this.geometry = createGeometry(this.config.latent, this.config);
  }

  get n(): number {
    return this.info.n;
  }

  /** The points, float32 [n, d]. */
  vectors(): Promise<Float32Array> {
    return (this.vectorsRead ??= this.readArray(EMBEDDING_FILES.vectors, [
      this.info.n,
      this.info.d,
    ]).then((a) => a as Float32Array));
  }

  /** The metadata columns, every point's value (none when imported without metadata). */
  metadata(): Promise<EmbeddingColumn[]> {
    return (this.columnsRead ??= (async () => {
      const k = this.info.columns.length;
      if (k === 0) return [];
      const table = (await this.readArray(EMBEDDING_FILES.metadata, [
        this.info.n,
        k,
      ])) as Float32Array;
      const file = path.join(this.dir, EMBEDDING_FILES.columns);
      const { columns: names } = ColumnCategories.parse(JSON.parse(await readFile(file, 'utf8')));
      if (names.length !== k) throw new Error(`${file}: ${names.length} columns, expected ${k}`);
      const n = this.info.n;
      return this.info.columns.map((column, c): EmbeddingColumn => {
        if (column.kind === 'number') {
          const values = new Float32Array(n);
          for (let r = 0; r < n; r++) values[r] = table[r * k + c];
          return { name: column.name, kind: 'number', values };
        }
        const codes = new Int32Array(n);
        for (let r = 0; r < n; r++) codes[r] = table[r * k + c];
        return { name: column.name, kind: 'category', codes, categories: names[c].categories };
      });
    })());
  }

  /** The thumbnails of points `indices`, row-major [h, w, c] each, in [0, 1]; null: none. */
  async thumbnails(
    indices: ArrayLike<number>,
  ): Promise<{ images: Float32Array; n: number; shape: number[] } | null> {
    const thumbs = this.info.thumbs;
    if (!thumbs) return null;
    const pixels = await (this.spriteRead ??= readSprite(
      path.join(this.dir, thumbs.file),
      thumbs.channels,
    ));
    const { width: w, height: h, channels: c, columns } = thumbs;
    const stride = columns * w * c;
    const size = w * h * c;
    const images = new Float32Array(indices.length * size);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      const x0 = (i % columns) * w * c;
      const y0 = Math.floor(i / columns) * h;
      for (let y = 0; y < h; y++) {
        const from = (y0 + y) * stride + x0;
        for (let x = 0; x < w * c; x++) images[k * size + y * w * c + x] = pixels[from + x] / 255;
      }
    }
    return { images, n: indices.length, shape: [h, w, c] };
  }

  posterior(): never {
    throw new Error(NO_ENCODER);
  }
  encoderOutput(): never {
    throw new Error(NO_ENCODER);
  }
  encodeHead(): never {
    throw new Error(NO_ENCODER);
  }
  encode(): never {
    throw new Error(NO_ENCODER);
  }
  encodeWithError(): never {
    throw new Error(NO_ENCODER);
  }
  decoderLogits(_z: tf.Tensor2D): never {
    throw new Error(NO_DECODER);
  }
  decode(): never {
    throw new Error(NO_DECODER);
  }

  /** n draws from N(0, I), [n, d], the same for the same seed. */
  samplePrior(n: number, seed: number): Float32Array {
    const rng = mulberry32(mixSeed(seed, 0x656d62));
    return Float32Array.from({ length: n * this.latentDim }, () => normal(rng));
  }

  dispose(): void {
    this.geometry.dispose();
    this.vectorsRead = this.columnsRead = this.spriteRead = undefined;
  }

  private async readArray(file: string, shape: number[]) {
    const full = path.join(this.dir, file);
    const array = parseNpy(new Uint8Array(await readFile(full)));
    if (
      !(array.data instanceof Float32Array) ||
      array.shape.length !== shape.length ||
      array.shape.some((s, i) => s !== shape[i])
    )
      throw new Error(
        `${full}: expected float32 (${shape.join(', ')}), found ${array.dtype} (${array.shape.join(', ')})`,
      );
    return array.data;
  }
}
