import { InvalidArgumentError, type Command } from 'commander';
import { integer, oneOf, positive } from '../parse';
import { withOnnxFlags } from '../onnx-options';
import type {
  AnalogyOptions,
  AttributeOptions,
  FactorOp,
  GroupSpec,
  ItemSpec,
  StartSpec,
  TraverseOptions,
} from '../actions/cartography';

// Latent cartography (Liu et al., EuroVis 2019): attribute vectors between groups of items,
// traversals along them, analogies. The specs are read for their form here (no engine loads);
// what they name (a label, a factor, a selection file) is checked when the command runs.

const SPLITS = ['train', 'test', 'all'] as const;

export function groupSpec(value: string): GroupSpec {
  const text = value.trim();
  if (text === 'rest') return { kind: 'rest', text };
  const label = /^label:([^:\s]+)$/.exec(text);
  if (label) return { kind: 'label', label: label[1], text };
  const selection = /^selection:([^:]+)$/.exec(text);
  if (selection) return { kind: 'selection', name: selection[1], text };
  const factor =
    /^factor:([A-Za-z_][\w-]*)\s*(<=|>=|<|>|=)\s*(-?(?:\d+\.?\d*|\.\d+)(?:e-?\d+)?)$/i.exec(text);
  if (factor)
    return {
      kind: 'factor',
      factor: factor[1],
      op: factor[2] as FactorOp,
      value: Number(factor[3]),
      text,
    };
  throw new InvalidArgumentError(
    `expected label:K, selection:NAME, factor:NAME<VALUE (or >, <=, >=, =) or rest; got "${value}"`,
  );
}

export function itemSpec(value: string): ItemSpec {
  const text = value.trim();
  const item = /^item:(\d+)$/.exec(text);
  if (item) return { kind: 'item', index: Number(item[1]), text };
  const label = /^label:([^:\s]+)$/.exec(text);
  if (label) return { kind: 'label', label: label[1], text };
  throw new InvalidArgumentError(`expected item:INDEX or label:K, got "${value}"`);
}

export function startSpec(value: string): StartSpec {
  const text = value.trim();
  if (text === 'mean' || text === 'origin') return { kind: text };
  const item = /^item:(\d+)$/.exec(text);
  if (item) return { kind: 'item', index: Number(item[1]), text };
  throw new InvalidArgumentError(`expected mean, origin or item:INDEX, got "${value}"`);
}

/** The options every cartography command shares: which items, and the ONNX flags. */
function withData(command: Command): Command {
  return withOnnxFlags(command)
    .argument(
      '<ckpt>',
      'checkpoint directory, ONNX model (decoder.onnx file or folder), or imported embedding folder',
    )
    .option('--data <spec>', 'dataset (default: the one it was trained on; not for an embedding)')
    .option(
      '--split <which>',
      "train | test | all (train, then test); default test, or the split a selection's NAME.json names (not for an embedding)",
      oneOf(SPLITS),
      'test',
    )
    .option('--limit <n>', "use the split's first N items", integer(1));
}

export function registerCartography(program: Command): void {
  withData(program.command('attribute'))
    .description(
      'the attribute vector from one group of items to another (difference of mean codes; on a sphere the great-circle direction), as NPY, with how well it separates them (AUC); on an imported embedding its vectors are the codes',
    )
    .requiredOption(
      '--from <group>',
      'label:K | selection:NAME (selections/NAME.npy in the model folder) | factor:NAME<VALUE (an embedding: a numeric metadata column)',
      groupSpec,
    )
    .requiredOption('--to <group>', 'as --from, or rest (every item not in --from)', groupSpec)
    .requiredOption('--out <file>', 'output .npy: the vector, float32 [d] (and FILE.base.npy)')
    .option('--save <name>', 'also keep it with the model, as vectors/NAME.npy')
    .option('--force', 'replace a vector of that name already saved')
    .option('--json', 'print JSON')
    .action(async (ckpt: string, opts: AttributeOptions, command: Command) => {
      opts.splitGiven = command.getOptionValueSource('split') !== 'default';
      if (opts.from.kind === 'rest')
        throw new Error('--from rest: rest means every item not in --from; use it with --to');
      const { attribute } = await import('../actions/cartography');
      await attribute(ckpt, opts);
    });

  withData(program.command('traverse'))
    .description(
      'decode a strip of codes along a direction from the data mean or an item (on a sphere, along the great circle), as PNG',
    )
    .option('--direction <file>', 'an NPY vector [d] (as attribute --out writes)')
    .option('--vector <name>', 'a vector saved with the model (attribute --save)')
    .option('--dim <k>', 'latent dimension K (0-based): the K-th axis', integer(0))
    .option('--steps <n>', 'images in the strip', integer(2, 101), 9)
    .option(
      '--span <s>',
      'how far each way: t from −S to S times the direction (default 1 for a vector; 3 for --dim, π/2 radians on a sphere)',
      positive,
    )
    .option(
      '--from <start>',
      'mean (the default: the mean code of the items) | item:INDEX | origin (the zero code; not on a sphere)',
      startSpec,
    )
    .requiredOption('--out <file>', 'output PNG')
    .option('--latents <file>', 'also write the strip’s codes as NPY [steps, d]')
    .option('--scale <k>', 'enlarge each pixel k times', integer(1, 16), 2)
    .option('--json', 'print JSON')
    .action(async (ckpt: string, opts: TraverseOptions, command: Command) => {
      opts.splitGiven = command.getOptionValueSource('split') !== 'default';
      const given = [opts.direction, opts.vector, opts.dim].filter((x) => x !== undefined);
      if (given.length !== 1)
        throw new Error('give exactly one of --direction FILE, --vector NAME or --dim K');
      const { traverse } = await import('../actions/cartography');
      await traverse(ckpt, opts);
    });

  withData(program.command('analogy'))
    .description(
      'decode a − b + c ("a is to b as ? is to c") and a strip over the amount, c + s·(a − b), as PNG; on an imported embedding (no decoder), list the points nearest to c + s·(a − b) instead',
    )
    .requiredOption(
      '--a <item>',
      'item:INDEX (of the split) or label:K (the label’s mean code)',
      itemSpec,
    )
    .requiredOption('--b <item>', 'as --a', itemSpec)
    .requiredOption('--c <item>', 'as --a', itemSpec)
    .option('--steps <n>', 'amounts s from 0 to --amount', integer(2, 101), 5)
    .option(
      '--amount <s>',
      'the largest amount (1: a − b + c); for an embedding the s of c + s·(a − b)',
      positive,
      1,
    )
    .option(
      '--out <file>',
      'output PNG: a, b, c on top; the amounts below (required; for an embedding optional, an .npy of the code c + s·(a − b))',
    )
    .option('--top <n>', 'an embedding: how many nearest points to list', integer(1, 10_000), 10)
    .option('--latents <file>', 'also write the amounts’ codes as NPY [steps, d]')
    .option('--scale <k>', 'enlarge each pixel k times', integer(1, 16), 2)
    .option('--json', 'print JSON')
    .action(async (ckpt: string, opts: AnalogyOptions, command: Command) => {
      opts.splitGiven = command.getOptionValueSource('split') !== 'default';
      const { analogy } = await import('../actions/cartography');
      await analogy(ckpt, opts);
    });
}
