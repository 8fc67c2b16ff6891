/**
 * A tag for constant bash text in TypeScript: like String.raw, but a template literal cannot
 * hold bash's `${` plainly, so the source writes `\${` and gets `${`. It takes no interpolated
 * values on purpose: data reaches scripts as quoted variable assignments, never as text.
 */
export function bash(strings: TemplateStringsArray, ...values: never[]): string {
  if (values.length > 0) throw new Error('bash`` text takes no interpolations');
  return strings.raw.join('').replace(/\\\$\{/g, '${');
}
