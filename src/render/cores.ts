/** CPU limits in cores: "1 core", "1.5 cores", "0.25 cores"; null means no limit. */
export function formatCores(cores: number | null | undefined, opts: { short?: boolean } = {}): string {
  if (cores === null || cores === undefined || !Number.isFinite(cores) || cores <= 0) return 'no limit';
  // Two decimals cover every value compose's `cpus:` is written with (0.25, 1.5); drop trailing zeros.
  const n = String(Number(cores.toFixed(2)));
  if (opts.short) return `${n}c`;
  return `${n} ${n === '1' ? 'core' : 'cores'}`;
}
