import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Dataset } from '../../engine/data/dataset';
import { EmbeddingModel, NO_DECODER } from '../../engine/embedding/embedding-model';
import {
  embeddingItems,
  isEmbeddingItems,
  metadataRow,
  type EmbeddingItems,
} from '../../engine/embedding/items';
import { isEmbeddingDir } from '../../engine/embedding/open';
import {
  baseFileOf,
  loadVector,
  modelFolder,
  readDirection,
  readSelection,
  saveVector,
  weightsFingerprint,
  writeVectorFile,
} from '../../engine/io/attribute-vectors';
import { encodePng, imageGrid } from '../../engine/io/image';
import { writeNpy } from '../../engine/io/npy';
import { geometryDescriptor } from '../../engine/latent/registry';
import { requireEncoding, type LatentModel } from '../../engine/model/latent-model';
import {
  analogy as analogyRows,
  attributeVector,
  evenly,
  groupCentre,
  steer,
} from '../../shared/maths/attribute-vectors';
import { normalised, normOf, projectToTangent } from '../../shared/maths/sphere-steering';
import { checkCartographyName } from '../../shared/vector-index';
import { datasetFor } from '../checkpoint-data';
import type { OnnxFlags } from '../onnx-options';
import { fixed, Output, warn } from '../output';
import { open } from './models';

type Split = 'train' | 'test' | 'all';

// What the specs name, as commands/cartography.ts parses them (for their form only).

/** A group of items: `label:K`, `rest` (all but the other group), `selection:NAME`, `factor:…`. */
export type GroupSpec =
  | { kind: 'label'; label: string; text: string }
  | { kind: 'rest'; text: string }
  | { kind: 'selection'; name: string; text: string }
  | { kind: 'factor'; factor: string; op: FactorOp; value: number; text: string };

export type FactorOp = '<' | '<=' | '>' | '>=' | '=';

/** One code: an item's encoding (`item:INDEX`) or a label's mean code (`label:K`). */
export type ItemSpec =
  { kind: 'item'; index: number; text: string } | { kind: 'label'; label: string; text: string };

/** Where a traversal starts: the data's mean code, an item's code, or the origin. */
export type StartSpec =
  { kind: 'mean' } | { kind: 'origin' } | { kind: 'item'; index: number; text: string };

interface DataFlags extends OnnxFlags {
  data?: string;
  split: Split;
  /** --split was given (not its default): a selection's own split does not override it. */
  splitGiven?: boolean;
  limit?: number;
  json?: boolean;
}

export interface AttributeOptions extends DataFlags {
  from: GroupSpec;
  to: GroupSpec;
  out: string;
  save?: string;
  force?: boolean;
}

export interface TraverseOptions extends DataFlags {
  direction?: string;
  vector?: string;
  dim?: number;
  steps: number;
  span?: number;
  from?: StartSpec;
  out: string;
  latents?: string;
  scale: number;
}

export interface AnalogyOptions extends DataFlags {
  a: ItemSpec;
  b: ItemSpec;
  c: ItemSpec;
  steps: number;
  amount: number;
  /** Required but for an embedding (which answers with its nearest points instead of images). */
  out?: string;
  /** An embedding's answer: how many nearest points (default 10). */
  top?: number;
  latents?: string;
  scale: number;
}

/** Whether the model's codes lie on the unit sphere (its geometry says). */
function onSphere(model: LatentModel): boolean {
  return geometryDescriptor(model.config.latent.kind).spherical;
}

/** Whether `ckpt` names an imported embedding (a folder with embedding.json). */
function isEmbedding(ckpt: string): boolean {
  return isEmbeddingDir(path.resolve(ckpt));
}

/**
 * An embedding's points are its items and its vectors their codes: it reads no dataset and has
 * no train/test split, so --data and --split are refused rather than ignored.
 */
function refuseDataFlags(flags: DataFlags): void {
  if (flags.data !== undefined)
    throw new Error(
      `--data ${flags.data}: an imported embedding reads no dataset: its items are its own points (its vectors)`,
    );
  if (flags.splitGiven)
    throw new Error(
      `--split ${flags.split}: an imported embedding has no train/test split: its points are one set (use --limit N for the first N)`,
    );
}

/** The items a command runs on, and how to name them in messages. */
async function itemsFor(loaded: Awaited<ReturnType<typeof open>>, flags: DataFlags) {
  if (loaded.model instanceof EmbeddingModel) {
    refuseDataFlags(flags);
    return embeddingItems(loaded.model, flags.limit);
  }
  const { data, warnings } = await datasetFor(loaded, flags.data, flags.split, flags.limit);
  for (const line of warnings) warn(line);
  if (data.count === 0) throw new Error(`${data.name} has no items`);
  return data;
}

/** "the 3000 items of shapes (test)" */
function itemsPhrase(data: Dataset): string {
  return `the ${data.count} item${data.count === 1 ? '' : 's'} of ${data.name}`;
}

/**
 * Encodings [rows.length, d] of the items at `rows`, in chunks. An embedding's items are its
 * vectors: they are their own codes, and nothing is encoded.
 */
async function encodeRows(
  model: LatentModel,
  data: Dataset,
  rows: ArrayLike<number>,
): Promise<Float32Array> {
  if (model instanceof EmbeddingModel && isEmbeddingItems(data)) return data.batch(rows);
  const d = model.latentDim;
  const z = new Float32Array(rows.length * d);
  const chunk = 1024;
  for (let i = 0; i < rows.length; i += chunk) {
    const m = Math.min(chunk, rows.length - i);
    const picked = Array.from({ length: m }, (_, j) => rows[i + j]);
    z.set(await model.encode(data.batch(picked), m), i * d);
  }
  const bad = z.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0)
    throw new Error(
      `the encoder gave a NaN or infinite code for item ${rows[Math.floor(bad / d)]}`,
    );
  return z;
}

/** The class index `label:K` names (a number, or one of the dataset's label names). */
function labelIndex(label: string, data: Dataset): { k: number; description: string } {
  if (!data.labels)
    throw new Error(
      isEmbeddingItems(data)
        ? `${data.name} has no labels: label:${label} names nothing (${data.noLabels}; labels come from a column named label holding whole numbers ≥ 0, or at most 100 categories)`
        : `${data.name} has no labels: label:${label} names nothing`,
    );
  const names = data.labelNames;
  let classes = names?.length ?? 0;
  for (const l of data.labels) classes = Math.max(classes, l + 1);
  const known = `labels are 0–${classes - 1}${names?.length ? ` (${names.join(', ')})` : ''}`;
  let k: number;
  if (/^\d+$/.test(label)) k = Number(label);
  else k = names?.findIndex((n) => n.toLowerCase() === label.toLowerCase()) ?? -1;
  if (k < 0 || k >= classes) throw new Error(`no label "${label}" in ${data.name}: ${known}`);
  const name = names?.[k];
  return { k, description: `label ${k}${name && name !== String(k) ? ` (${name})` : ''}` };
}

function rowsWhere(count: number, keep: (row: number) => boolean): Int32Array {
  const out: number[] = [];
  for (let r = 0; r < count; r++) if (keep(r)) out.push(r);
  return Int32Array.from(out);
}

interface Group {
  rows: Int32Array;
  spec: string;
  description: string;
}

function nonEmpty(group: Group, data: Dataset, flag: string): Group {
  if (group.rows.length === 0)
    throw new Error(
      `${flag} ${group.spec}: an empty group (none of ${itemsPhrase(data)} is in ${group.description})`,
    );
  return group;
}

/** The rows of `data` that a group spec names. */
async function resolveGroup(
  spec: GroupSpec,
  data: Dataset,
  flags: { split: Split; ckpt: string; flag: string; other?: Group },
): Promise<Group> {
  switch (spec.kind) {
    case 'label': {
      const { k, description } = labelIndex(spec.label, data);
      const labels = data.labels!;
      return nonEmpty(
        { rows: rowsWhere(data.count, (r) => labels[r] === k), spec: spec.text, description },
        data,
        flags.flag,
      );
    }
    case 'rest': {
      const taken = new Set(flags.other!.rows);
      return nonEmpty(
        {
          rows: rowsWhere(data.count, (r) => !taken.has(r)),
          spec: spec.text,
          description: `every item but ${flags.other!.description}`,
        },
        data,
        flags.flag,
      );
    }
    case 'factor': {
      if (isEmbeddingItems(data)) checkColumn(spec.factor, data);
      const factors = data.factors;
      if (!factors)
        throw new Error(
          flags.split === 'all'
            ? `${spec.text}: --split all keeps no generative factors; use --split train or test`
            : `${spec.text}: ${data.name} records no generative factors`,
        );
      const f = factors.names.indexOf(spec.factor);
      if (f < 0)
        throw new Error(
          `no factor "${spec.factor}" in ${data.name}: its factors are ${factors.names.join(', ')}`,
        );
      const width = factors.names.length;
      const test: Record<typeof spec.op, (x: number) => boolean> = {
        '<': (x) => x < spec.value,
        '<=': (x) => x <= spec.value,
        '>': (x) => x > spec.value,
        '>=': (x) => x >= spec.value,
        '=': (x) => x === spec.value,
      };
      const description = `${spec.factor} ${spec.op} ${spec.value}`;
      const rows = rowsWhere(data.count, (r) => test[spec.op](factors.values[r * width + f]));
      return nonEmpty({ rows, spec: spec.text, description }, data, flags.flag);
    }
    case 'selection': {
      checkCartographyName(spec.name, 'selection');
      const selection = await readSelection(modelFolder(flags.ckpt), spec.name);
      if (isEmbeddingItems(data) && selection.split && selection.split !== 'all')
        throw new Error(
          `${selection.file}: its indices number the items of a ${selection.split} split, but an imported embedding has one set of points`,
        );
      if (!isEmbeddingItems(data) && selection.split && selection.split !== flags.split)
        throw new Error(
          `${selection.file}: its indices number the items of the ${selection.split} split; pass --split ${selection.split}`,
        );
      const beyond = selection.indices.findIndex((i) => i >= data.count);
      if (beyond >= 0)
        throw new Error(
          `${selection.file}: index ${selection.indices[beyond]} is beyond ${itemsPhrase(data)}`,
        );
      const rows = Int32Array.from(new Set(selection.indices)).sort();
      return nonEmpty(
        { rows, spec: spec.text, description: `selection ${spec.name}` },
        data,
        flags.flag,
      );
    }
  }
}

/** Refuses `factor:NAME…` for an embedding unless NAME is one of its numeric columns. */
function checkColumn(name: string, data: EmbeddingItems): void {
  const column = data.columns.find((c) => c.name === name);
  if (column?.kind === 'number') return;
  const numeric = data.columns.filter((c) => c.kind === 'number').map((c) => c.name);
  const known = numeric.length
    ? `its numeric columns are ${numeric.join(', ')}`
    : 'it has no numeric metadata columns';
  throw new Error(
    column
      ? `factor:${name}: the "${name}" column of ${data.name} holds categories, and factor: compares numbers (${known})`
      : `no metadata column "${name}" in ${data.name}: ${known}`,
  );
}

/**
 * The split to read: --split when given, else the one the selections among `groups` number
 * (the page saves selections of the cloud it shows, usually `all`), else the default.
 */
async function selectionSplit(ckpt: string, groups: GroupSpec[], opts: DataFlags): Promise<Split> {
  if (opts.splitGiven) return opts.split;
  const named = new Map<Split, string>();
  for (const group of groups) {
    if (group.kind !== 'selection') continue;
    checkCartographyName(group.name, 'selection');
    const selection = await readSelection(modelFolder(ckpt), group.name);
    if (selection.split) named.set(selection.split, selection.file);
  }
  if (named.size > 1)
    throw new Error(
      `the selections number items of different splits: ${[...named].map(([split, file]) => `${file} (${split})`).join(', ')}`,
    );
  return named.keys().next().value ?? opts.split;
}

export async function attribute(ckpt: string, opts: AttributeOptions): Promise<void> {
  // Refuse a bad --save before any encoding: its name, and a model with a folder to keep it in.
  const folder = opts.save ? modelFolder(ckpt) : null;
  if (opts.save) checkCartographyName(opts.save, 'vector');
  // An embedding's points are one set: the split is `all`, as the page's cloud of it is.
  const embedded = isEmbedding(ckpt);
  if (embedded) refuseDataFlags(opts);
  const split = embedded ? 'all' : await selectionSplit(ckpt, [opts.from, opts.to], opts);
  opts = { ...opts, split };
  const loaded = await open(ckpt, opts);
  const { model } = loaded;
  if (!(model instanceof EmbeddingModel)) requireEncoding(model, 'attribute');
  const data = await itemsFor(loaded, opts);
  const sphere = onSphere(model);
  const from = await resolveGroup(opts.from, data, { split: opts.split, ckpt, flag: '--from' });
  const to = await resolveGroup(opts.to, data, {
    split: opts.split,
    ckpt,
    flag: '--to',
    other: from,
  });
  const inFrom = new Set(from.rows);
  const shared = to.rows.filter((r) => inFrom.has(r)).length;
  if (shared === from.rows.length && shared === to.rows.length)
    throw new Error(`--from ${from.spec} and --to ${to.spec} are the same ${shared} items`);
  if (shared > 0) warn(`${shared} items are in both groups (--from ${from.spec}, --to ${to.spec})`);

  // Encode each item once: the union of both groups.
  const union = Int32Array.from(new Set([...from.rows, ...to.rows]));
  const position = new Map<number, number>();
  union.forEach((r, i) => position.set(r, i));
  const codes = await encodeRows(model, data, union);
  const rows = { data: codes, n: union.length, d: model.latentDim };
  const at = (g: Group) => Int32Array.from(g.rows, (r) => position.get(r)!);
  const result = attributeVector(rows, at(from), at(to), {
    sphere,
    fromName: `--from ${from.spec}`,
    toName: `--to ${to.spec}`,
  });

  if (result.resultant)
    for (const [group, r] of [
      [from, result.resultant.from],
      [to, result.resultant.to],
    ] as const)
      if (r < 0.5)
        warn(
          `${group.description}'s codes spread around the sphere (mean resultant length ${fixed(r)}): its centre stands for it poorly`,
        );
  await writeVectorFile(opts.out, result.vector);
  const baseOut = baseFileOf(opts.out);
  await writeVectorFile(baseOut, result.base);
  const record = {
    name: opts.save ?? '',
    sphere,
    length: result.length,
    auc: result.auc,
    from: { group: from.spec, description: from.description, n: from.rows.length },
    to: { group: to.spec, description: to.description, n: to.rows.length },
    data: { spec: data.descriptor.spec, split: opts.split, count: data.count },
  };
  const saved =
    opts.save && folder
      ? await saveVector(
          folder,
          { ...record, name: opts.save, vector: result.vector, base: result.base },
          { replace: opts.force },
        )
      : null;
  const unit = sphere ? 'radians' : 'latent units';
  new Output(Boolean(opts.json)).result(
    {
      out: path.resolve(opts.out),
      base: path.resolve(baseOut),
      saved: saved && folder ? path.join(folder, 'vectors', saved.file) : null,
      ...record,
      name: opts.save ?? null,
      dim: model.latentDim,
    },
    [
      `${from.description} (n = ${from.rows.length}) → ${to.description} (n = ${to.rows.length}): AUC ${fixed(result.auc, 3)}, length ${fixed(result.length, 3)} ${unit}${sphere ? ' (on the sphere)' : ''}`,
      `wrote ${opts.out} and its base point ${baseOut}${saved ? `; saved with the ${model instanceof EmbeddingModel ? 'embedding' : 'model'} as "${saved.name}"` : ''}`,
    ].join('\n'),
  );
}

/** The code a traversal starts from. */
async function startCode(
  model: LatentModel,
  start: StartSpec,
  sphere: boolean,
  load: () => Promise<Dataset>,
): Promise<{ z: Float64Array; description: string }> {
  if (start.kind === 'origin') {
    if (sphere)
      throw new Error(
        '--from origin: the zero code is not on the sphere this model’s codes lie on; use mean or item:INDEX',
      );
    return { z: new Float64Array(model.latentDim), description: 'the origin' };
  }
  if (!model.encoding)
    throw new Error(
      `traverse --from ${start.kind === 'mean' ? 'mean' : start.text} needs an encoder, and this model has only a decoder${sphere ? '' : ': start from --from origin'}`,
    );
  const data = await load();
  if (start.kind === 'item') {
    if (start.index >= data.count)
      throw new Error(
        `--from ${start.text}: there are only ${itemsPhrase(data)} (0–${data.count - 1})`,
      );
    const z = await encodeRows(model, data, [start.index]);
    return { z: Float64Array.from(z), description: `${start.text} of ${data.name}` };
  }
  const all = Int32Array.from({ length: data.count }, (_, i) => i);
  const codes = await encodeRows(model, data, all);
  const rows = { data: codes, n: data.count, d: model.latentDim };
  return {
    z: groupCentre(rows, all, sphere, `the items of ${data.name}`),
    description: `the mean code of ${itemsPhrase(data)}`,
  };
}

async function writeStrip(
  file: string,
  images: Float32Array,
  n: number,
  shape: number[],
  columns: number,
  scale: number,
): Promise<void> {
  await writeFile(file, await encodePng(imageGrid(images, n, shape, columns), scale));
}

export async function traverse(ckpt: string, opts: TraverseOptions): Promise<void> {
  if (isEmbedding(ckpt))
    throw new Error(
      `traverse draws the decoded images along a direction, and ${NO_DECODER} (attribute and analogy work on it)`,
    );
  const loaded = await open(ckpt, opts);
  const { model } = loaded;
  const d = model.latentDim;
  const sphere = onSphere(model);
  let vector: Float64Array;
  let base: Float64Array | null = null;
  let direction: Record<string, unknown>;
  if (opts.dim !== undefined) {
    if (opts.dim >= d)
      throw new Error(`--dim ${opts.dim}: this model's codes have dimensions 0–${d - 1}`);
    vector = new Float64Array(d);
    vector[opts.dim] = 1;
    direction = { dim: opts.dim };
  } else if (opts.vector !== undefined) {
    const saved = await loadVector(modelFolder(ckpt), opts.vector, d);
    if (saved.record.sphere !== sphere)
      throw new Error(
        `${saved.file}: made ${saved.record.sphere ? 'on the sphere' : 'in Euclidean space'}, but this model's codes ${sphere ? 'lie on the sphere' : 'are Euclidean'}`,
      );
    const now = await weightsFingerprint(modelFolder(ckpt));
    if (saved.record.weights && now && saved.record.weights !== now)
      warn(
        `vector "${opts.vector}" was made with other weights of this model: its codes may have moved`,
      );
    ({ vector, base } = saved);
    direction = {
      vector: opts.vector,
      file: saved.file,
      from: saved.record.from,
      to: saved.record.to,
    };
  } else {
    const read = await readDirection(opts.direction!, d);
    ({ vector, base } = read);
    direction = {
      file: path.resolve(opts.direction!),
      base: read.baseFile && path.resolve(read.baseFile),
    };
  }
  if (!(normOf(vector) > 0)) throw new Error('the direction is the zero vector: it points nowhere');

  let data: Promise<Dataset> | null = null;
  const load = () => (data ??= itemsFor(loaded, opts));
  const start = await startCode(model, opts.from ?? { kind: 'mean' }, sphere, load);

  if (sphere && opts.dim !== undefined) {
    // The axis, as a direction along the sphere at the start point: its tangent part, unit length,
    // so that the span is in radians.
    const tangent = projectToTangent(normalised(start.z), vector);
    if (normOf(tangent) < 1e-6)
      throw new Error(
        `--dim ${opts.dim}: that axis is normal to the sphere at the start point, so it points along no great circle; choose another`,
      );
    vector = normalised(tangent);
  } else if (sphere && !base) {
    warn(
      'the direction has no base point beside it: it is taken as a direction at the start point',
    );
  }
  if (!sphere) base = null;
  const span = opts.span ?? (opts.dim === undefined ? 1 : sphere ? Math.PI / 2 : 3);
  const ts = evenly(-span, span, opts.steps);
  const codes = Float32Array.from(steer(start.z, vector, ts, { sphere, base }));
  const images = await model.decode(codes, ts.length);
  await writeStrip(opts.out, images, ts.length, loaded.manifest.imageShape, ts.length, opts.scale);
  if (opts.latents) await writeNpy(opts.latents, codes, [ts.length, d]);
  new Output(Boolean(opts.json)).result(
    {
      out: path.resolve(opts.out),
      latents: opts.latents ? path.resolve(opts.latents) : null,
      steps: ts.length,
      span,
      t: ts,
      from: start.description,
      direction,
      sphere,
    },
    `wrote ${ts.length} images from ${start.description}, t from ${fixed(-span)} to ${fixed(span)}${sphere ? ' along the great circle' : ''}, to ${opts.out}`,
  );
}

/** The code an item spec names: an item's encoding, or a label's mean code. */
async function itemCode(
  model: LatentModel,
  spec: ItemSpec,
  data: Dataset,
  sphere: boolean,
  flag: string,
): Promise<{ z: Float64Array; description: string }> {
  if (spec.kind === 'item') {
    if (spec.index >= data.count)
      throw new Error(
        `${flag} ${spec.text}: there are only ${itemsPhrase(data)} (0–${data.count - 1})`,
      );
    return {
      z: Float64Array.from(await encodeRows(model, data, [spec.index])),
      description: spec.text,
    };
  }
  const { k, description } = labelIndex(spec.label, data);
  const labels = data.labels!;
  const rows = rowsWhere(data.count, (r) => labels[r] === k);
  if (rows.length === 0)
    throw new Error(`${flag} ${spec.text}: no item has ${description} among ${itemsPhrase(data)}`);
  const codes = await encodeRows(model, data, rows);
  const local = Int32Array.from({ length: rows.length }, (_, i) => i);
  return {
    z: groupCentre(
      { data: codes, n: rows.length, d: model.latentDim },
      local,
      sphere,
      `${flag} ${spec.text}`,
    ),
    description: `the mean code of ${description} (n = ${rows.length})`,
  };
}

/** Points an embedding answers an analogy with (word2vec-style), unless --top says. */
const NEAREST = 10;

/**
 * An analogy on an embedding, which cannot decode: the points nearest (Euclidean) to
 * c + s·(a − b), leaving out the points a, b and c name (as word2vec leaves out the question's
 * words). --out FILE.npy and --latents keep the code itself.
 */
async function embeddingAnalogy(
  model: EmbeddingModel,
  data: EmbeddingItems,
  opts: AnalogyOptions,
): Promise<void> {
  if (opts.out !== undefined && !/\.npy$/i.test(opts.out))
    throw new Error(
      `--out ${opts.out}: ${NO_DECODER}, so there is no image to write; give an .npy file to keep the code c + s·(a − b), or leave --out out`,
    );
  const a = await itemCode(model, opts.a, data, false, '--a');
  const b = await itemCode(model, opts.b, data, false, '--b');
  const c = await itemCode(model, opts.c, data, false, '--c');
  const s = opts.amount;
  const d = model.latentDim;
  const target = Float64Array.from({ length: d }, (_, j) => c.z[j] + s * (a.z[j] - b.z[j]));
  // The points a, b and c stand for: an item, or every point of a label.
  const asked = new Set<number>();
  for (const x of [opts.a, opts.b, opts.c]) {
    if (x.kind === 'item') asked.add(x.index);
    else {
      const { k } = labelIndex(x.label, data);
      data.labels!.forEach((l, i) => {
        if (l === k) asked.add(i);
      });
    }
  }
  const vectors = data.batch(Int32Array.from({ length: data.count }, (_, i) => i));
  const candidates: { index: number; distance: number }[] = [];
  for (let i = 0; i < data.count; i++) {
    if (asked.has(i)) continue;
    let sum = 0;
    for (let j = 0; j < d; j++) {
      const diff = vectors[i * d + j] - target[j];
      sum += diff * diff;
    }
    candidates.push({ index: i, distance: Math.sqrt(sum) });
  }
  if (candidates.length === 0)
    throw new Error(
      `every one of ${itemsPhrase(data)} is a, b or c: no other point to answer with`,
    );
  candidates.sort((x, y) => x.distance - y.distance || x.index - y.index);
  const top = candidates.slice(0, opts.top ?? NEAREST);
  const result = top.map(({ index, distance }) => ({
    index,
    distance,
    ...(data.labels
      ? {
          label: data.labels[index],
          ...(data.labelNames ? { labelName: data.labelNames[data.labels[index]] } : {}),
        }
      : {}),
    metadata: metadataRow(data.columns, index),
  }));
  if (opts.out) await writeVectorFile(opts.out, target);
  if (opts.latents) await writeNpy(opts.latents, Float32Array.from(target), [1, d]);
  const describe = (r: (typeof result)[number]): string => {
    const meta = Object.entries(r.metadata)
      .filter(([name]) => name.toLowerCase() !== 'label' || !data.labels)
      .map(([name, value]) => `${name}=${value ?? '—'}`);
    const label =
      r.label === undefined ? [] : [`label ${r.label}${r.labelName ? ` (${r.labelName})` : ''}`];
    return [...label, ...meta].join('  ');
  };
  const width = String(data.count - 1).length;
  new Output(Boolean(opts.json)).result(
    {
      out: opts.out ? path.resolve(opts.out) : null,
      latents: opts.latents ? path.resolve(opts.latents) : null,
      a: a.description,
      b: b.description,
      c: c.description,
      amount: s,
      metric: 'euclidean',
      excluded: asked.size,
      result,
      sphere: false,
    },
    [
      `the ${top.length === 1 ? 'point' : `${top.length} points`} of ${data.name} nearest to c + ${fixed(s)}·(a − b) (a: ${a.description}, b: ${b.description}, c: ${c.description}; the ${asked.size} point${asked.size === 1 ? '' : 's'} a, b and c stand for left out):`,
      ...result.map((r, i) =>
        `${String(i + 1).padStart(String(top.length).length)}. item:${String(r.index).padEnd(width)}  distance ${fixed(r.distance, 4)}  ${describe(r)}`.trimEnd(),
      ),
      ...(opts.out || opts.latents
        ? [
            `wrote the code c + s·(a − b) to ${[opts.out, opts.latents].filter(Boolean).join(' and ')}`,
          ]
        : []),
    ].join('\n'),
  );
}

export async function analogy(ckpt: string, opts: AnalogyOptions): Promise<void> {
  if (isEmbedding(ckpt)) refuseDataFlags(opts);
  else if (opts.out === undefined)
    throw new Error(
      "required option '--out <file>' not specified (only an imported embedding, which lists nearest points, goes without)",
    );
  const loaded = await open(ckpt, opts);
  const { model } = loaded;
  if (model instanceof EmbeddingModel) {
    const data = await itemsFor(loaded, opts);
    if (!isEmbeddingItems(data)) throw new Error(`${data.name}: not the embedding's points`);
    return embeddingAnalogy(model, data, opts);
  }
  if (opts.out === undefined) throw new Error("required option '--out <file>' not specified");
  requireEncoding(model, 'analogy');
  const data = await itemsFor(loaded, opts);
  const sphere = onSphere(model);
  const a = await itemCode(model, opts.a, data, sphere, '--a');
  const b = await itemCode(model, opts.b, data, sphere, '--b');
  const c = await itemCode(model, opts.c, data, sphere, '--c');
  const amounts = evenly(0, opts.amount, opts.steps);
  const codes = Float32Array.from(analogyRows(a.z, b.z, c.z, amounts, { sphere }));
  const d = model.latentDim;
  // Top row a, b, c; bottom row the amounts; blank cells pad the shorter row.
  const columns = Math.max(3, amounts.length);
  const grid = new Float32Array(2 * columns * d);
  [a, b, c].forEach((x, i) => grid.set(Float32Array.from(x.z), i * d));
  grid.set(codes, columns * d);
  const decoded = await model.decode(grid, 2 * columns);
  const size = model.inputSize;
  const images = new Float32Array(decoded.length);
  for (let cell = 0; cell < 2 * columns; cell++) {
    const used = cell < 3 || (cell >= columns && cell < columns + amounts.length);
    if (used) images.set(decoded.subarray(cell * size, (cell + 1) * size), cell * size);
  }
  await writeStrip(opts.out, images, 2 * columns, loaded.manifest.imageShape, columns, opts.scale);
  if (opts.latents) await writeNpy(opts.latents, codes, [amounts.length, d]);
  new Output(Boolean(opts.json)).result(
    {
      out: path.resolve(opts.out),
      latents: opts.latents ? path.resolve(opts.latents) : null,
      a: a.description,
      b: b.description,
      c: c.description,
      amounts,
      sphere,
    },
    `wrote a (${a.description}), b (${b.description}), c (${c.description}) and c + s·(a − b) for s from 0 to ${fixed(opts.amount)}${sphere ? ' along great circles' : ''} to ${opts.out}`,
  );
}
