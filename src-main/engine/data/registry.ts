import type { DatasetOptions, DatasetSplit } from './dataset';
import { fashionMnistSource } from './fashion-mnist';
import { folderSource } from './folder';
import { idxSource } from './idx-files';
import { mnistSource } from './mnist';
import { Registry } from '../registry';
import { validateOptions } from './options';
import { shapesSource } from './shapes';
import type { DatasetInfo, DatasetSource } from './source';
import { toySource } from './toy';

export type { DatasetInfo } from './source';

/** One line per kind of dataset; a new one is a file exporting a `DatasetSource` plus a line here. */
const SOURCES = new Registry<DatasetSource>('dataset source', 'a', (s) => s.scheme, [
  mnistSource,
  fashionMnistSource,
  idxSource,
  folderSource,
  shapesSource,
  toySource,
]);

/**
 * Adds a kind of dataset at run time (a test's fixture source, a plug-in); everything built from
 * the registry (`latent-atlas datasets`, the API's listing, the training form, the path checks)
 * sees it.
 * Returns the function that removes it again.
 */
export function registerDatasetSource(source: DatasetSource): () => void {
  return SOURCES.register(source);
}

/** The built-in datasets and the parametrised ones (`folder:DIR`), with one-line descriptions. */
export function listDatasets(): DatasetInfo[] {
  return SOURCES.list().flatMap((source) =>
    source.entries.map((entry) => ({
      ...entry,
      itemShape: entry.itemShape && [...entry.itemShape],
    })),
  );
}

/**
 * Opens a dataset from its spec: `mnist`, `idx:IMAGES[,LABELS]`, `folder:DIR`, `shapes`,
 * `toy:NAME`. The scheme (before the first `:`) is case-insensitive; the rest is passed on
 * verbatim, so paths may contain `:` (Windows drives). Options are validated first.
 */
export async function openDataset(spec: string, options?: DatasetOptions): Promise<DatasetSplit> {
  const { source, argument, normalized } = parseDatasetSpec(spec);
  return source.open({ spec: normalized, argument, options: validateOptions(options) });
}

/** Finds the source for a spec without opening anything (for validating user input early). */
export function parseDatasetSpec(spec: string): {
  source: DatasetSource;
  argument: string;
  normalized: string;
} {
  const trimmed = spec.trim();
  const colon = trimmed.indexOf(':');
  const scheme = (colon < 0 ? trimmed : trimmed.slice(0, colon)).trim().toLowerCase();
  const argument = colon < 0 ? '' : trimmed.slice(colon + 1).trim();
  const source = SOURCES.find(scheme);
  if (!source) {
    throw new Error(`unknown dataset "${spec}"; valid datasets: ${validSpecs()}`);
  }
  if (source.argument === 'required' && argument === '') {
    throw new Error(
      `dataset "${spec}" needs an argument: ${source.entries.map((e) => e.spec).join(', ')}`,
    );
  }
  if (source.argument === 'none' && colon >= 0) {
    throw new Error(`dataset "${scheme}" takes no argument, got "${spec}"`);
  }
  return { source, argument, normalized: colon < 0 ? scheme : `${scheme}:${argument}` };
}

function validSpecs(): string {
  return listDatasets()
    .map((entry) => entry.spec)
    .join(', ');
}
