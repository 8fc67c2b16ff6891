import originalStringWidth from 'string-width-original';
import { scanWidth } from '../../render/cell-width.js';

type Options = Parameters<typeof originalStringWidth>[1];

/**
 * Stands in for string-width in the bundle: lines of printable ASCII, SGR codes and the symbols
 * the screens draw with are counted in one pass; anything else goes to string-width itself.
 */
export default function stringWidth(text: string, options?: Options): number {
  if (options === undefined || ((options.ambiguousIsNarrow ?? true) && !options.countAnsiEscapeCodes)) {
    const width = scanWidth(text, 0);
    if (width >= 0) return width;
  }
  return originalStringWidth(text, options);
}
