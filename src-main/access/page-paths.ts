import path from 'node:path';
import type { MethodName } from '../api/names';
import { parseDatasetSpec } from '../engine/data/registry';
import type { ErrorInfo } from '../api/records';
import { realPath, type PathGrants } from './path-grants';

/**
 * Electron checklist: validate IPC payloads; the page reaches only the files the user chose.
 *
 * Every path a request from the page names is checked here, in the main process, before the
 * request goes to the engine: plain path params and the paths inside dataset specs
 * (`folder:DIR`, `idx:IMAGES[,LABELS]`). A path passes when, with symbolic links followed
 * (realPath), it is
 * - to read: inside a folder the user chose in a native dialog this session (chooseFolder,
 *   chooseCheckpoint), or, for datasets, exactly a path of a dataset the library already holds
 *   (an imported folder, or the dataset a library model records);
 * - to write: exactly the file the user chose in a save dialog this session.
 * Relative paths and `~` are refused: dialogs never return them, and the engine would resolve them
 * differently (the folder source expands `~`, the main process would not). Built-in datasets
 * (`mnist`, `fashion-mnist`, `shapes`, `toy:NAME`) name no path and pass.
 *
 * This applies to the Electron IPC transport (ipc-handlers.ts). The browser transport
 * (`latent-atlas serve`) has no dialogs to grant anything; it checks the same paths, found by
 * `requestPaths` from the same PATH_PARAMS table, against the folders its operator allowed
 * (src-main/server/path-policy.ts).
 */

/** How a request uses the path it names. */
export type PathUse =
  /** A dataset spec (`folder:DIR`, `idx:IMAGES[,LABELS]`, or a built-in without a path). */
  | 'dataset-spec'
  /** A folder to open as a dataset (`importFolderDataset`): read, like `folder:DIR`. */
  | 'dataset-folder'
  /** A checkpoint folder to copy into the library: read, dialog-granted only. */
  | 'checkpoint'
  /** A file to write. */
  | 'save';

export interface PathParam {
  /** The keys leading to the string, from the params object. */
  at: readonly string[];
  use: PathUse;
}

/**
 * The params of each request that name a path the engine will read or write. A new method that
 * takes a path needs a line here (tests/shell/ipc-handlers.test.ts checks the contract for them).
 */
export const PATH_PARAMS: Readonly<Partial<Record<MethodName, PathParam>>> = {
  describeDataset: { at: ['spec'], use: 'dataset-spec' },
  startTraining: { at: ['dataset', 'spec'], use: 'dataset-spec' },
  importFolderDataset: { at: ['path'], use: 'dataset-folder' },
  importModel: { at: ['path'], use: 'checkpoint' },
  setModelDataset: { at: ['dataset', 'spec'], use: 'dataset-spec' },
  exportPng: { at: ['path'], use: 'save' },
  exportNpy: { at: ['path'], use: 'save' },
};

/**
 * The file-system paths a dataset spec names, found with the engine's own parser and each
 * source's own `paths` so that the check sees the spec as the engine will (`folder:` takes the
 * whole argument, `idx:` up to two comma-separated files). Throws the parser's error for a spec
 * the engine would refuse anyway.
 */
export function datasetSpecPaths(spec: string): string[] {
  // The registry brings the dataset sources with it; none loads native code until it opens a
  // dataset (folder.ts loads sharp on its first decode), which the main process never does.
  const { source, argument } = parseDatasetSpec(spec);
  return source.paths(argument);
}

export interface PagePathContext {
  grants: PathGrants;
  /** Specs of the datasets the library holds: imported folders and those its models record. */
  librarySpecs(): Promise<readonly string[]>;
}

/** The paths a request names, and how it uses them. */
export interface RequestPaths {
  use: PathUse;
  /** The PATH_PARAMS keys joined with dots (`dataset.spec`): how errors name the param. */
  name: string;
  /** Every file-system path in it, as given (a dataset spec may name none, one or two). */
  targets: string[];
}

/**
 * The paths `params` names for `method`, as the engine will read them (dataset specs through the
 * engine's own parser); null when the method takes no path or this request gives none. Returns
 * the error to answer with when the param is not a string or the spec does not parse
 * (invalid-params).
 */
export function requestPaths(method: MethodName, params: unknown): RequestPaths | ErrorInfo | null {
  const param = PATH_PARAMS[method];
  if (!param) return null;
  const value = valueAt(params, param.at);
  if (value === undefined) return null;
  const name = param.at.join('.');
  if (typeof value !== 'string') {
    return { code: 'invalid-params', message: `${method}: "${name}" must be a string` };
  }
  if (param.use !== 'dataset-spec') return { use: param.use, name, targets: [value] };
  try {
    return { use: param.use, name, targets: datasetSpecPaths(value) };
  } catch (err) {
    return { code: 'invalid-params', message: `${method}: ${(err as Error).message}` };
  }
}

/**
 * Checks the paths `params` names for `method`; returns the error to answer with, or null when
 * every path is granted (or the request names none). Params that are not what the contract
 * expects are left to its validation, except a path param that is present but not a string.
 */
export async function checkPagePaths(
  method: MethodName,
  params: unknown,
  context: PagePathContext,
): Promise<ErrorInfo | null> {
  const found = requestPaths(method, params);
  if (!found) return null;
  if ('code' in found) return found;
  const { use, targets } = found;
  const refuse = (message: string): ErrorInfo => ({
    code: 'refused',
    message: `refused "${method}": ${message}`,
  });

  let library: Promise<Set<string>> | undefined;
  for (const target of targets) {
    if (!path.isAbsolute(target)) {
      return refuse(`"${target}" is not an absolute path; choose it in a file dialog`);
    }
    let real: string;
    try {
      real = await realPath(target);
    } catch (err) {
      return refuse(`cannot check ${target}: ${(err as Error).message}`);
    }
    const shown = real === path.resolve(target) ? target : `${target} (${real})`;
    if (use === 'save') {
      if (!context.grants.allowsWrite(real)) {
        return refuse(`${shown} was not chosen in a save dialog`);
      }
      continue;
    }
    if (context.grants.allowsRead(real)) continue;
    if (use !== 'checkpoint') {
      library ??= libraryPaths(context);
      if ((await library).has(real)) continue;
    }
    return refuse(`${shown} was not chosen in a file dialog`);
  }
  return null;
}

/** The real paths of the library's datasets; any it cannot read are left out (refused). */
async function libraryPaths(context: PagePathContext): Promise<Set<string>> {
  const paths = new Set<string>();
  let specs: readonly string[];
  try {
    specs = await context.librarySpecs();
  } catch {
    return paths;
  }
  for (const spec of specs) {
    let targets: string[];
    try {
      targets = datasetSpecPaths(spec);
    } catch {
      continue;
    }
    for (const target of targets) {
      if (!path.isAbsolute(target)) continue;
      try {
        paths.add(await realPath(target));
      } catch {
        /* not a path anyone can read */
      }
    }
  }
  return paths;
}

function valueAt(params: unknown, keys: readonly string[]): unknown {
  let value = params;
  for (const key of keys) {
    if (!value || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
