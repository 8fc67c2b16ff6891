/**
 * Whether a value is acceptable for a runbook parameter: the one check the command line and the
 * TUI's parameter form both use, so a value one accepts the other accepts too.
 */
import type { ParamSpec, Runbook } from './runbook-types.js';

/** Check a value against the parameter's pattern or list; one line naming the problem. */
export function paramProblem(spec: ParamSpec, value: string): string | undefined {
  if (value.includes('\0')) return `${spec.name} contains a NUL byte`;
  if (spec.enum && !spec.enum.includes(value)) return `${spec.name} must be one of ${spec.enum.join(', ')}`;
  if (spec.pattern && !new RegExp(`^(?:${spec.pattern})$`).test(value)) return `${spec.name} must match ${spec.pattern}`;
  return undefined;
}

export interface ParamFormResult {
  /** Every parameter's value, when none has a problem. */
  params: Map<string, string> | undefined;
  /** One line per bad field, in the runbook's order. */
  problems: { name: string; problem: string }[];
}

/**
 * A form's values checked as `collectParams` checks the command line's: a field left undefined
 * takes the default; a parameter without a value and without a default is a problem, and so is
 * a required one left blank (on a form, blank is an oversight more often than a value).
 */
export function checkParamForm(runbook: Runbook, values: ReadonlyMap<string, string | undefined>): ParamFormResult {
  const params = new Map<string, string>();
  const problems: { name: string; problem: string }[] = [];
  for (const spec of runbook.params) {
    const value = values.get(spec.name) ?? spec.default;
    if (value === undefined || (value === '' && spec.required)) {
      problems.push({ name: spec.name, problem: `${spec.name} needs a value` });
      continue;
    }
    const problem = paramProblem(spec, value);
    if (problem) problems.push({ name: spec.name, problem });
    else params.set(spec.name, value);
  }
  return { params: problems.length ? undefined : params, problems };
}
