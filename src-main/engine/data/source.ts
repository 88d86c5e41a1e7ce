import type { DatasetOptions, DatasetSplit } from './dataset';

/** One line of `listDatasets()`: what to type and what it is. */
export interface DatasetInfo {
  /** The spec to type; capitals are placeholders for the user's paths: `folder:DIR`. */
  spec: string;
  description: string;
  /**
   * One item's shape with the default options, which a new model's input must match; null where
   * only the files can tell (IDX files, folders: the engine describes them once opened).
   */
  itemShape: number[] | null;
  /** Whether the `size` option sets the image side (the first two numbers of itemShape). */
  sized?: boolean;
}

/** What the registry hands a source: the whole spec (for the descriptor) and its argument. */
export interface OpenRequest {
  /** The spec as the user gave it, trimmed, scheme in lower case: `toy:moons`, `folder:~/icons`. */
  spec: string;
  /** The part after the first `:`, or '' when there is none. */
  argument: string;
  options: DatasetOptions;
}

/**
 * A kind of dataset, named by the scheme before the first `:` of a spec. Adding a dataset is one
 * file exporting a `DatasetSource` and one line in registry.ts.
 */
export interface DatasetSource {
  /** `mnist`, `idx`, `folder`, `shapes`, `toy`. */
  readonly scheme: string;
  /** Whether the spec needs an argument after `:` (a path, a toy set's name). */
  readonly argument: 'none' | 'required';
  /** The built-ins this source offers, as `listDatasets()` shows them. */
  readonly entries: readonly DatasetInfo[];
  /**
   * The user's files a spec with this argument reads, for the desktop app's and `serve`'s path
   * checks (src-main/access/page-paths.ts): none for built-ins, the folder for `folder:DIR`.
   */
  paths(argument: string): string[];
  open(request: OpenRequest): Promise<DatasetSplit>;
}
