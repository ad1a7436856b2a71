// The dashboard's files under /ui (docs/ui.md). They are static and public, like /openapi.json:
// every number the page shows comes from the API with the bearer token the user typed into it,
// so serving the files needs no token. They are not API, so provider/api/wire.json does not list
// them. In a checkout the script is bundled in memory on the first request, from
// provider/ui/build.json (esbuild, a dependency already); a release serves what scripts/build.mjs
// wrote to dist/ui. Nothing is fetched from anywhere else: the policy below forbids it too.
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import { assetDir } from '../assets';

/** The headers of every /ui answer: a strict policy (no inline script or style, this origin only, never framed). */
export const UI_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

interface Asset {
  type: string;
  body: Buffer;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

interface BuildSpec {
  entry: string;
  static: string[];
  esbuild: Record<string, unknown>;
}

// esbuild defines it in dist/bin/tessera.js (scripts/build.mjs), where the files are in dist/ui.
declare const TESSERA_BUNDLED: boolean | undefined;

/** The repository root in a checkout (provider/composer/ -> ../..), or undefined in a release bundle. */
function checkoutRoot(): string | undefined {
  if (typeof TESSERA_BUNDLED !== 'undefined') return undefined;
  const root = path.resolve(__dirname, '../..');
  return fs.existsSync(path.join(root, 'provider/ui/build.json')) ? root : undefined;
}

/** The dashboard's files from the sources: index.html, style.css and app.js bundled by esbuild. */
export async function buildUi(root: string): Promise<Map<string, Asset>> {
  const spec = JSON.parse(fs.readFileSync(path.join(root, 'provider/ui/build.json'), 'utf8')) as BuildSpec;
  // esbuild is loaded only here: a release bundle never builds (it reads dist/ui).
  const esbuild = await import('esbuild');
  const out = await esbuild.build({ ...spec.esbuild, absWorkingDir: root, entryPoints: [path.join(root, spec.entry)], outfile: 'app.js', write: false });
  const assets = new Map<string, Asset>();
  for (const f of spec.static) assets.set(path.basename(f), { type: TYPES[path.extname(f)], body: fs.readFileSync(path.join(root, f)) });
  for (const f of out.outputFiles) assets.set(path.basename(f.path), { type: TYPES[path.extname(f.path)] ?? 'application/octet-stream', body: Buffer.from(f.contents) });
  return assets;
}

/** dist/ui next to dist/bin in a release (scripts/build.mjs), or the single executable's copy (provider/assets.ts). */
function readBuilt(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of fs.readdirSync(dir)) {
    const type = TYPES[path.extname(name)];
    if (type) assets.set(name, { type, body: fs.readFileSync(path.join(dir, name)) });
  }
  return assets;
}

let loading: Promise<Map<string, Asset>> | undefined;

function assets(): Promise<Map<string, Asset>> {
  if (!loading) {
    const root = checkoutRoot();
    loading = root ? buildUi(root) : Promise.resolve(readBuilt(assetDir('ui', path.resolve(__dirname, '../ui'))));
    // A failed build is retried on the next request rather than remembered.
    loading.catch(() => (loading = undefined));
  }
  return loading;
}

/** Is this path the dashboard's? */
export function isUiPath(pathname: string): boolean {
  return pathname === '/ui' || pathname.startsWith('/ui/');
}

/** Answers a /ui request: GET or HEAD of /ui (the page) or /ui/<file>; anything else 404/405 as plain text. */
export async function serveUi(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): Promise<void> {
  for (const [k, v] of Object.entries(UI_SECURITY_HEADERS)) res.setHeader(k, v);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    res.end('only GET and HEAD are allowed on the dashboard\n');
    return;
  }
  const name = pathname === '/ui' || pathname === '/ui/' ? 'index.html' : pathname.slice('/ui/'.length);
  // A flat folder of a few files: a name with a slash or a dot-dot is none of them.
  const asset = /^[A-Za-z0-9_-]+\.[a-z]{1,4}$/.test(name) ? (await assets()).get(name) : undefined;
  if (!asset) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('no such file in the dashboard\n');
    return;
  }
  res.writeHead(200, { 'content-type': asset.type, 'content-length': asset.body.length });
  res.end(req.method === 'HEAD' ? undefined : asset.body);
}
