/**
 * Whole counts with thousands separators ("10,000"), as en-US writes them. Not toLocaleString:
 * its first call starts ICU's number formatting, 12–30 ms measured here, which `opsdeck logs`
 * paid at start-up just to describe its --buffer option.
 */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const sign = n < 0 ? '-' : '';
  const digits = String(Math.trunc(Math.abs(n)));
  let out = '';
  for (let end = digits.length; end > 0; end -= 3) out = (end > 3 ? ',' : '') + digits.slice(Math.max(0, end - 3), end) + out;
  return sign + out;
}
