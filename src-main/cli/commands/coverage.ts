import type { Command } from 'commander';
import { integer } from '../parse';
import type { CoverageOptions } from '../actions/coverage';

export function registerCoverage(program: Command): void {
  program
    .command('coverage')
    .description('does a latent matrix fill the prior? Mardia, radius/pairwise KS, MMD, holes, …')
    .argument('<z>', 'NPY file, float32 or float64, shape [n, d]')
    .option('--prior <kind>', 'gaussian | sphere', 'gaussian')
    .option('--seed <n>', 'seed for subsamples, prior draws and permutations', integer(0), 0)
    .option('--report <file>', 'write a self-contained HTML report with plots')
    .option('--plots <file>', "write the plots' data (histograms, Q-Q curves, …) as JSON")
    .option('--json', 'print the figures as JSON (the plot data only with --plots)')
    .action(async (zFile: string, opts: CoverageOptions) => {
      if (opts.prior !== 'gaussian' && opts.prior !== 'sphere')
        throw new Error(`--prior must be gaussian or sphere, got "${String(opts.prior)}"`);
      const { coverage } = await import('../actions/coverage');
      await coverage(zFile, opts);
    });
}
