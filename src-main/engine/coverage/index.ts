// The coverage report's public surface: the report and its schema, its verdicts in words, and
// the pure per-dimension helpers the model-based `eval` figures use.
export { CoverageError, coverageReport } from './report';
export type { CoverageOptions, CoverageReport, Prior } from './report';
export { coverageVerdicts, toneOfP, ALPHA } from '../../shared/coverage-verdicts';
export type { CoverageVerdict, Tone } from '../../shared/coverage-verdicts';
export { ACTIVE_UNIT_THRESHOLD, activeUnits, diagonalGaussianKl, logMeanExp } from './dimensions';
export type { DimensionFigures } from './dimensions';
