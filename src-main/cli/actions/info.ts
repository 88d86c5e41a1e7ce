import { initBackend } from '../../engine/backend';
import { onnxRuntimeReport } from '../../engine/onnx/onnx-runtime';
import { listDatasets } from '../../engine/data/registry';
import { gemmThreads } from '../../engine/kernels/gemm-threads';
import { relaxedSimd } from '../../engine/kernels/relaxed-simd';
import { Output } from '../output';
import { latentUsage } from '../parse';
import type { PartParameter } from '../../shared/parts';

export async function info(opts: { json?: boolean }, version: string): Promise<void> {
  const report = await initBackend();
  const onnx = await onnxRuntimeReport();
  const kernels =
    report.backend === 'wasm' ? { threads: gemmThreads(), fma: relaxedSimd() } : undefined;
  const lines = [
    `latent-atlas ${version} on Node ${process.versions.node}`,
    `backend: ${report.backend} (${report.chosen})`,
    ...report.attempts.map((a) => `  ${a.ok ? '✓' : '✗'} ${a.name.padEnd(15)} ${a.reason}`),
    ...(kernels
      ? [
          `matrix products: ${kernels.threads} thread${kernels.threads === 1 ? '' : 's'} (LATENT_ATLAS_THREADS), ` +
            (kernels.fma
              ? 'fused multiply-adds (relaxed SIMD; LATENT_ATLAS_FMA=0 turns them off)'
              : 'plain SIMD (no relaxed SIMD here, or LATENT_ATLAS_FMA=0)'),
        ]
      : []),
    onnx.available
      ? `ONNX models: onnxruntime-node ${onnx.version}, ${onnx.reason}`
      : `ONNX models: unavailable (${onnx.reason})`,
  ];
  new Output(Boolean(opts.json)).result(
    { version, node: process.versions.node, ...report, kernels, onnx },
    lines.join('\n'),
  );
}

export function datasets(opts: { json?: boolean }): void {
  const list = listDatasets();
  const width = Math.max(...list.map((d) => d.spec.length));
  new Output(Boolean(opts.json)).result(
    { datasets: list },
    list.map((d) => `${d.spec.padEnd(width)}  ${d.description}`).join('\n'),
  );
}

/** `latent-atlas parts`: every registered geometry and objective, as each describes itself. */
export async function parts(opts: { json?: boolean }): Promise<void> {
  const [{ listGeometries }, { listObjectives }, { listFlows }] = await Promise.all([
    import('../../engine/latent/registry'),
    import('../../engine/objectives/registry'),
    import('../../engine/flows/registry'),
  ]);
  const geometries = listGeometries();
  const objectives = listObjectives();
  const flows = listFlows();
  const setting = (p: PartParameter) =>
    `      ${p.label} (${p.key}, ${p.min}–${p.max}, default ${p.default}): ${p.description}`;
  const lines = [
    `latent geometries (--latent ${latentUsage(geometries)}):`,
    ...geometries.flatMap((g) => [
      `  ${g.kind.padEnd(14)} ${g.label}: ${g.description}`,
      ...g.parameters.map(setting),
      ...Object.keys(g.refuses).map((o) => `      not with --objective ${o}`),
    ]),
    'objectives (--objective KIND, weighted by --beta):',
    ...objectives.flatMap((o) => [
      `  ${o.kind.padEnd(14)} ${o.label}: ${o.description} (weight ${o.weight})`,
      ...o.parameters.map(setting),
    ]),
    'posterior flows (--flow KIND:K, K steps; Gaussian latent, stochastic encoder):',
    ...flows.map((f) => `  ${f.kind.padEnd(14)} ${f.label}: ${f.description}`),
  ];
  new Output(Boolean(opts.json)).result({ geometries, objectives, flows }, lines.join('\n'));
}
