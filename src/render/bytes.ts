/** Byte counts in binary units, as docker stats prints them ("512 B", "1.5 KiB", "26.0 GiB"). */

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** One decimal above bytes; "—" for unknown. Negative sizes keep their sign (deltas). */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const sign = n < 0 ? '-' : '';
  const abs = Math.abs(n);
  if (abs < 1024) return `${sign}${Math.round(abs)} B`;
  let value = abs;
  let unit = 0;
  value /= 1024;
  // Pick the unit after rounding, so 1023.96 KiB reads "1.0 MiB" rather than "1024.0 KiB".
  while (unit < UNITS.length - 1 && Math.round(value * 10) / 10 >= 1024) {
    value /= 1024;
    unit++;
  }
  return `${sign}${value.toFixed(1)} ${UNITS[unit]}`;
}

/** "412.0 MiB / 1.0 GiB", or "412.0 MiB / no limit". */
export function formatBytesOfLimit(used: number | null, limit: number | null): string {
  return `${formatBytes(used)} / ${limit === null ? 'no limit' : formatBytes(limit)}`;
}

/** Compact form for narrow columns: "412M", "1.5G", "980K"; one decimal only below 10. */
export function formatBytesShort(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n) || n < 0) return '—';
  const units = ['B', 'K', 'M', 'G', 'T', 'P'];
  let v = n;
  let u = 0;
  while (u < units.length - 1 && v >= 1000) {
    v /= 1024;
    u++;
  }
  const text = v < 10 && u > 0 ? v.toFixed(1).replace(/\.0$/, '') : String(Math.round(v));
  return text + units[u];
}
