import { z } from 'zod';

/**
 * What a model folder keeps for latent cartography (read and written in Node by
 * engine/io/attribute-vectors.ts; the page reads the same records through the contract):
 *
 *   <model>/vectors/index.json        this file's `VectorIndex`: one record per saved vector
 *   <model>/vectors/<name>.npy        the vector, float32 [d]
 *   <model>/vectors/<name>.base.npy   where it starts, float32 [d]: the from-group's centre (on a
 *                                     sphere the unit point the vector is tangent at; steering
 *                                     transports the vector from there)
 *   <model>/selections/<name>.npy     a group of items: int32 [k], item indices into one split
 *   <model>/selections/<name>.json    optional `SelectionInfo`: which split the indices number
 *
 * A model folder is a checkpoint folder (manifest.json …), a stock TensorFlow.js model's folder or
 * an ONNX model's folder (decoder.onnx …). Names are 1–64 letters, digits, '-' and '_' (no dots,
 * so `<name>.base.npy` never collides with another name's vector). Files are written aside and
 * renamed into place; the NPY files before the index, so the index never names a missing file.
 */

/** A vector's or selection's name: also its file name, so no separators and no dots. */
export const CartographyName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
    "1–64 letters, digits, '-' or '_', starting with a letter or digit (no path separators or dots)",
  );

/** One of the two groups a vector was made from. */
export const VectorGroup = z.object({
  /** How the group was named: `label:3`, `rest`, `selection:picked`, `factor:scale<0.6`. */
  group: z.string(),
  /** For people: `label 3 (three)`, `all but label 3`, `scale < 0.6`. */
  description: z.string(),
  /** Items in the group. */
  n: z.number().int().min(1),
});
export type VectorGroup = z.infer<typeof VectorGroup>;

export const VectorRecord = z.object({
  name: CartographyName,
  /** File names inside vectors/: `<name>.npy` and `<name>.base.npy`. */
  file: z.string(),
  base: z.string(),
  /** ISO time it was saved. */
  created: z.string(),
  /** Coordinates: the model's latent dimension when it was made. */
  dim: z.number().int().min(1),
  /** Made on the unit sphere (log map between normalised means) or in Euclidean space. */
  sphere: z.boolean(),
  /** ‖vector‖: latent units (Euclidean) or radians (sphere). */
  length: z.number(),
  /** AUC of the two groups' positions along the vector (to above from). */
  auc: z.number().min(0).max(1),
  from: VectorGroup,
  to: VectorGroup,
  /** The items the groups index: dataset spec, split, the first `count` rows of it. */
  data: z
    .object({
      spec: z.string(),
      split: z.enum(['train', 'test', 'all']),
      count: z.number().int().min(0),
    })
    .nullable(),
  /**
   * A fingerprint of the model's weights when the vector was made (hash of its files, not
   * counting cache/, vectors/ and selections/): a different one now means the codes moved.
   */
  weights: z.string().nullable(),
});
export type VectorRecord = z.infer<typeof VectorRecord>;

export const VECTOR_INDEX_FORMAT = 'latent-atlas-vectors';

export const VectorIndex = z.object({
  format: z.literal(VECTOR_INDEX_FORMAT),
  version: z.literal(1),
  vectors: z.array(VectorRecord),
});
export type VectorIndex = z.infer<typeof VectorIndex>;

/** `selections/<name>.json`: what the indices in `<name>.npy` number. */
export const SelectionInfo = z
  .object({
    /** The split whose items the indices number (`all`: train, then test). */
    split: z.enum(['train', 'test', 'all']),
    created: z.string().optional(),
    description: z.string().optional(),
  })
  .passthrough();
export type SelectionInfo = z.infer<typeof SelectionInfo>;

export function emptyVectorIndex(): VectorIndex {
  return { format: VECTOR_INDEX_FORMAT, version: 1, vectors: [] };
}

/** `value` as a vector index, or an error naming `where` and the field at fault. */
export function parseVectorIndex(value: unknown, where: string): VectorIndex {
  return parseOrThrow(VectorIndex, value, where);
}

export function parseSelectionInfo(value: unknown, where: string): SelectionInfo {
  return parseOrThrow(SelectionInfo, value, where);
}

/** The name, or a one-line refusal saying what a name may hold. */
export function checkCartographyName(name: string, what: string): string {
  const result = CartographyName.safeParse(name);
  if (!result.success)
    throw new Error(`${what} name "${name}" must be ${result.error.issues[0].message}`);
  return name;
}

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const at = issue.path.length ? `${issue.path.join('.')}: ` : '';
  throw new Error(`${where}: ${at}${issue.message}`);
}
