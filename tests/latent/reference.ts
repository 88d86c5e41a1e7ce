export { loadReference } from '../fixtures/reference';

export function relativeError(got: number, want: number): number {
  return want === 0 ? Math.abs(got) : Math.abs(got - want) / Math.abs(want);
}
