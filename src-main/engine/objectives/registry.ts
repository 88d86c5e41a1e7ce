import type { LatentKind, ObjectiveConfig } from '../../shared/config';
import type { Objective } from './objective';
import { CramerWoldObjective } from './cramer-wold';
import { KlObjective } from './kl';
import { L2Objective } from './l2';
import { MmdObjective } from './mmd';
import { SlicedWassersteinObjective } from './swd';

/** One line per objective. */
export function createObjective(config: ObjectiveConfig): Objective {
  switch (config.kind) {
    case 'kl':
      return new KlObjective(config);
    case 'mmd':
      return new MmdObjective(config);
    case 'swd':
      return new SlicedWassersteinObjective(config);
    case 'cw':
      return new CramerWoldObjective(config);
    case 'l2':
      return new L2Objective(config);
  }
}

/**
 * Why a latent geometry and an objective make no sense together, or undefined when they do.
 *
 *                 kl   mmd  swd  cw   l2
 *   gaussian      ✓    ✓    ✓    ✓    ✓
 *   sphere        ✓    ✓    ✓    ✓    ✗  ‖z‖² ≡ 1 on the sphere
 *   power-sphere  ✓    ✓    ✓    ✓    ✗  (same)
 *   mixture       ✓    ✓    ✓    ✓    ✗  the learnable prior would get no training signal
 *
 * KL is closed form for the Gaussian, vMF and Power Spherical latents and a closed-form upper
 * bound for the mixture; MMD, sliced Wasserstein and Cramér-Wold compare the encoded batch with
 * draws from the geometry's own prior (Cramér-Wold in closed form against N(0, I)), which every
 * geometry can provide.
 */
export function incompatibility(
  latent: LatentKind,
  objective: ObjectiveConfig['kind'],
): string | undefined {
  if (objective !== 'l2') return undefined;
  switch (latent) {
    case 'sphere':
    case 'power-sphere':
      return `--objective l2 (RAE) penalises ‖z‖², which is identically 1 for a ${latent} latent, so it would regularise nothing; and the Gaussian mixture it fits to the codes afterwards would sample points off the sphere. Use --objective kl, mmd, swd or cw with --latent ${latent}, or --latent gaussian with l2.`;
    case 'mixture':
      return "--objective l2 (RAE) trains a deterministic autoencoder and fits its own Gaussian mixture to the codes after training; a learnable --latent mixture prior would receive no training signal. Use --latent gaussian with l2 (set the fitted mixture size with the objective's gmmComponents), or --latent mixture with kl, mmd, swd or cw.";
    default:
      return undefined;
  }
}
