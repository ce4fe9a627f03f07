/**
 * An ESM loader hook (node:module `register`) that answers the bare specifier `electron`
 * with the stand-in module, so code that imports Electron runs under plain Node. It never
 * touches the real `electron` package, whose index.js would try to download a binary.
 */

/** Passed by register.ts: the file URL of the stand-in module. */
export interface HookData {
  readonly standInUrl: string;
}

interface ResolveResult {
  readonly url: string;
  readonly shortCircuit?: boolean;
}
type NextResolve = (specifier: string, context: unknown) => Promise<ResolveResult> | ResolveResult;

let standInUrl: string | undefined;

export function initialize(data: HookData): void {
  standInUrl = data.standInUrl;
}

export async function resolve(specifier: string, context: unknown, nextResolve: NextResolve): Promise<ResolveResult> {
  if (specifier === 'electron' && standInUrl !== undefined) return { url: standInUrl, shortCircuit: true };
  return nextResolve(specifier, context);
}
