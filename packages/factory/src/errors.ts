import { closestName } from './closest-name.ts';

/** Errors raised while turning a user's request into wired objects. */
export type FactoryErrorCode =
  | 'INVALID_CONFIG'
  | 'UNREADABLE_FILE'
  | 'CALIBRATION_MISMATCH'
  | 'UNKNOWN_PERFORMANCE_MODEL'
  | 'VALIDATION_REGRESSED'
  /** Measurements no fit could explain (exit code 5, as a fit worse than --max-mape). */
  | 'FIT_TOO_POOR';

/** One thing wrong in a config, by its key path: what a command line maps back to the flag that set it. */
export interface ConfigIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Every error this package throws: a stable `code` for callers, and for a bad config each issue by key path. */
export class FactoryError extends Error {
  readonly code: FactoryErrorCode;
  /** For INVALID_CONFIG from a schema: each issue by key path, and where the config came from (`flags`, `config 'c.json' with flags`). */
  readonly issues?: readonly ConfigIssue[];
  readonly origin?: string;
  constructor(code: FactoryErrorCode, message: string, details: { issues?: readonly ConfigIssue[]; origin?: string } = {}) {
    super(message);
    this.name = 'FactoryError';
    this.code = code;
    if (details.issues) this.issues = details.issues;
    if (details.origin) this.origin = details.origin;
  }
}

export function formatIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

/** What the walk reads of a zod schema: its definition (`type`, `shape`, `innerType`, `in`). */
interface SchemaNode {
  readonly _zod: { readonly def: object };
}
type SchemaDef = Record<string, unknown> & { readonly type: string };
const defOf = (schema: SchemaNode) => schema._zod.def as SchemaDef;

/** The keys an object schema (under any default/optional/pipe wrappers) accepts, with every nested key's dotted path. */
function collectKeyPaths(schema: SchemaNode, prefix: string, out: Map<string, string[]>): void {
  const def = defOf(schema);
  if (def.type === 'object') {
    for (const [key, child] of Object.entries(def.shape as Record<string, SchemaNode>)) {
      const path = prefix ? `${prefix}.${key}` : key;
      out.set(key, [...(out.get(key) ?? []), path]);
      collectKeyPaths(child, path, out);
    }
  } else if (def.innerType) {
    collectKeyPaths(def.innerType as SchemaNode, prefix, out);
  } else if (def.type === 'pipe') {
    collectKeyPaths(def.in as SchemaNode, prefix, out);
  }
}

function objectKeys(schema: SchemaNode | undefined): string[] {
  const def = schema && defOf(schema);
  return def?.type === 'object' ? Object.keys(def.shape as object) : [];
}

/**
 * A zod error map for strict objects: an unknown key is named with the key that was meant, the
 * nearest sibling ("did you mean 'num_requests'?") or, for a key put at the wrong level, where it
 * belongs ("belongs at workload.num_requests"); otherwise the keys that are known there.
 */
export function unknownKeyHints(root: SchemaNode): (issue: { code?: string; keys?: readonly string[]; inst?: unknown }) => string | undefined {
  const everywhere = new Map<string, string[]>();
  collectKeyPaths(root, '', everywhere);
  return (issue) => {
    if (issue.code !== 'unrecognized_keys' || !issue.keys) return undefined;
    const siblings = objectKeys(issue.inst as SchemaNode | undefined);
    const hints = issue.keys.map((key) => {
      const near = closestName(key, siblings);
      if (near) return `unknown key '${key}' (did you mean '${near}'?)`;
      const elsewhere = everywhere.get(key);
      if (elsewhere) return `unknown key '${key}' here (it belongs at ${elsewhere.join(' or ')})`;
      return `unknown key '${key}' (known here: ${siblings.join(', ')})`;
    });
    return hints.join('; ');
  };
}
