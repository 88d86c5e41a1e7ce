// Benchmark of the coverage report (prints figures, asserts nothing):
//   npx tsx bench/coverage.ts [n] [d …]
// Goals (issue): 70,000 × 32 in ≤ 2 s and 70,000 × 128 in ≤ 10 s on the 2-core dev machine.
// Wall time depends on what else the machine runs, so CPU time and the load average are printed
// alongside.
import { loadavg } from 'node:os';
import { Random } from '../src-main/engine/coverage/random';
import { coverageReport } from '../src-main/engine/coverage/report';

const n = Number(process.argv[2] ?? 70000);
const dims = process.argv.length > 3 ? process.argv.slice(3).map(Number) : [32, 128];

for (const d of dims) {
  for (const prior of ['gaussian', 'sphere'] as const) {
    const random = new Random(42);
    const z = new Float32Array(
      prior === 'gaussian' ? random.normalMatrix(n, d) : random.unitVectors(n, d),
    );
    const load = loadavg()[0];
    const cpu = process.cpuUsage();
    const start = performance.now();
    const report = coverageReport(z, n, d, { prior, seed: 1 });
    const wall = performance.now() - start;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    console.log(
      `${n} × ${d} ${prior.padEnd(8)} wall ${(wall / 1000).toFixed(2)} s, cpu ${(cpuMs / 1000).toFixed(2)} s ` +
        `(load ${load.toFixed(1)}, kernels ${report.kernels})`,
    );
    const stages = Object.entries(report.timings_ms)
      .map(([k, v]) => `${k} ${Math.round(v)}`)
      .join(', ');
    console.log(`  stages (ms): ${stages}`);
    console.log(
      `  mardia p = ${report.mardia.skewness?.p?.toPrecision(3)} / ${report.mardia.kurtosis?.p?.toPrecision(3)}, ` +
        `radius KS p = ${report.radius_ks.p?.toPrecision(3) ?? '—'}, pairwise KS p = ${report.pairwise_ks.p?.toPrecision(3)}, ` +
        `MMD² = ${report.mmd.value?.toExponential(2)} (p ${report.mmd.p?.toFixed(3)}), ` +
        `SW₂ = ${report.sliced_wasserstein?.toFixed(4)}, CW² = ${report.cramer_wold?.toExponential(2)}, ` +
        `holes ${((report.holes.fraction ?? 0) * 100).toFixed(2)}%`,
    );
  }
}
