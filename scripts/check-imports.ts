/**
 * The import-boundary check (part of `npm run check`): dependencies point inward.
 * - core imports nothing else of Loft;
 * - proto and mime are pure: only core, proto, mime, and no I/O modules of node;
 * - store knows neither services nor servers; services know no server;
 * - servers reach storage only through service interfaces (never src/store);
 * - only the composition root (src/loft.ts, src/main.ts) and the CLI import everything;
 * - only src/dns talks to DNS (node:dns): everything else uses its Resolver interface;
 * - only src/auth uses mailauth (SPF, DKIM, DMARC), always with Loft's resolver.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', 'src');
const IO_MODULES =
  /^node:(net|tls|fs|fs\/promises|sqlite|dgram|dns|child_process|http|https|worker_threads)$/;

/** For each top-level folder: the folders it may import from (itself always allowed). */
const ALLOWED: Record<string, string[]> = {
  core: [],
  config: ['core'],
  proto: ['core', 'mime'],
  mime: ['core'],
  store: ['core', 'mime'],
  dns: ['core'],
  auth: ['core', 'dns'],
  client: ['core', 'proto', 'dns'],
  services: ['core', 'proto', 'mime', 'store', 'auth'],
  server: ['core', 'proto', 'mime', 'config', 'services'],
  cli: ['*'],
};
const PURE = new Set(['proto', 'mime', 'core']);
const DNS_MODULES = /^node:dns(\/promises)?$/;
const MAILAUTH = /^mailauth(\/|$)/;

/** node:net's address predicates (isIP, isIPv4, isIPv6) are pure functions. */
function pureNetImport(statement: string, spec: string): boolean {
  const names = /\{([^}]*)\}/.exec(statement)?.[1];
  return (
    spec === 'node:net' &&
    names !== undefined &&
    names.split(',').every((n) => /^\s*isIP(v4|v6)?\s*$/.test(n))
  );
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : [];
  });
}

const problems: string[] = [];
for (const file of files(root)) {
  const rel = path.relative(root, file);
  const area = rel.includes(path.sep) ? rel.split(path.sep)[0]! : '(root)';
  const source = readFileSync(file, 'utf8');
  for (const match of source.matchAll(
    /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
  )) {
    const spec = (match[1] ?? match[2])!;
    if (spec.startsWith('.')) {
      const target = path.relative(root, path.resolve(path.dirname(file), spec));
      if (target.startsWith('..')) continue;
      const targetArea = target.includes(path.sep) ? target.split(path.sep)[0]! : '(root)';
      if (targetArea === area || area === '(root)') continue;
      const allowed = ALLOWED[area];
      if (!allowed) problems.push(`${rel}: folder ${area} has no import rule`);
      else if (!allowed.includes('*') && !allowed.includes(targetArea)) {
        problems.push(`${rel}: ${area} may not import ${target}`);
      }
    } else if (DNS_MODULES.test(spec) && area !== 'dns') {
      problems.push(`${rel}: only src/dns may import ${spec}; use the Resolver interface`);
    } else if (MAILAUTH.test(spec) && area !== 'auth') {
      problems.push(`${rel}: only src/auth may import ${spec}; use Loft's interface there`);
    } else if (PURE.has(area) && IO_MODULES.test(spec) && area !== 'core' && !pureNetImport(match[0], spec)) {
      problems.push(`${rel}: pure ${area} code may not import ${spec}`);
    }
  }
}
if (problems.length > 0) {
  console.error(`import boundaries broken:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('import boundaries: ok');
