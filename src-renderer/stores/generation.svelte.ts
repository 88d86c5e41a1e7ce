import { errorMessage } from '../api/connect';
import { interpolationPath } from '../lib/decoding/interpolate';
import { createRng } from '../lib/rng';
import { variations } from '../lib/decoding/traversal';
import type { GenerationContext } from './context';

export interface ImageBatch {
  z: Float32Array;
  images: Float32Array;
  n: number;
  dim: number;
}

/** Prior sample grid, interpolation strip and variations grid. */
export class GenerationStore {
  seed = $state(1);
  gridSize = $state(16);
  grid = $state.raw<ImageBatch | null>(null);
  gridLoading = $state(false);
  steps = $state(8);
  /** null = automatic: spherical on sphere latents, else linear. */
  interpMode = $state<'linear' | 'spherical' | null>(null);
  interpolation = $state.raw<ImageBatch | null>(null);
  radius = $state(0.5);
  variationSeed = $state(1);
  variations = $state.raw<ImageBatch | null>(null);
  variationsOf = $state('');

  constructor(private readonly app: GenerationContext) {}

  get effectiveMode(): 'linear' | 'spherical' {
    return this.interpMode ?? (this.app.spherical ? 'spherical' : 'linear');
  }

  clear(): void {
    this.grid = null;
    this.interpolation = null;
    this.variations = null;
  }

  /** n draws from the model's prior (the engine samples: mixture priors have learnt means). */
  async sampleGrid(seed = this.seed): Promise<void> {
    const modelId = this.app.modelId;
    if (!modelId) return;
    this.seed = seed;
    this.gridLoading = true;
    try {
      const r = await this.app.api.samplePrior({ modelId, n: this.gridSize, seed });
      if (this.app.modelId !== modelId) return;
      this.grid = { z: r.z, images: r.images, n: r.n, dim: r.dim };
    } catch (error) {
      this.app.notices.push(`Sampling failed: ${errorMessage(error)}`, 'error');
    } finally {
      this.gridLoading = false;
    }
  }

  reroll(): Promise<void> {
    return this.sampleGrid(this.seed + 1);
  }

  async interpolate(): Promise<void> {
    const { a, b } = this.app.selection;
    if (!a || !b) return;
    const z = interpolationPath(a.z, b.z, this.steps, this.effectiveMode);
    try {
      const out = await this.app.decode(z, this.steps);
      if (out) this.interpolation = { z, images: out.images, n: this.steps, dim: a.z.length };
    } catch (error) {
      this.app.notices.push(`Decode failed: ${errorMessage(error)}`, 'error');
    }
  }

  async vary(center?: { z: Float64Array; label: string }): Promise<void> {
    const c = center ?? this.app.selection.current() ?? this.traversalPoint();
    if (!c) return;
    const count = 15;
    const rng = createRng(this.variationSeed);
    const around = variations(c.z, this.radius, count, this.app.spherical, rng);
    // The centre first, then its variations.
    const z = new Float32Array((count + 1) * c.z.length);
    z.set(c.z, 0);
    z.set(around, c.z.length);
    try {
      const out = await this.app.decode(z, count + 1);
      if (out) {
        this.variations = { z, images: out.images, n: count + 1, dim: c.z.length };
        this.variationsOf = c.label;
      }
    } catch (error) {
      this.app.notices.push(`Decode failed: ${errorMessage(error)}`, 'error');
    }
  }

  private traversalPoint(): { z: Float64Array; label: string } | null {
    const z = this.app.traversal.z();
    return z ? { z, label: 'the traversal point' } : null;
  }
}
