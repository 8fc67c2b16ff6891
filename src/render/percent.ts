/** Percentages: one decimal below 10 % (where 0.3 % vs 3 % matters), whole numbers above. */
export function formatPercent(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '—';
  const oneDecimal = Math.round(p * 10) / 10;
  if (Math.abs(oneDecimal) < 10) return `${oneDecimal.toFixed(1)}%`;
  return `${Math.round(p)}%`;
}
