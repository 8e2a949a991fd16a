/**
 * A small static file server for the demo page: serves folders of this
 * machine under URL prefixes, on 127.0.0.1 only, on a port the system picks
 * unless one is asked for. GET and HEAD only; a path that leaves its folder
 * (`..`, encoded or not) is a 404, as is anything missing.
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

/** Content types by extension: the browser compiles .wasm as it streams only with application/wasm. */
const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".zip": "application/zip",
  ".png": "image/png",
  ".txt": "text/plain; charset=utf-8",
  ".py": "text/plain; charset=utf-8",
};

export function contentType(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
}

export interface StaticServer {
  /** The base URL, ending in "/". */
  url: string;
  close(): Promise<void>;
}

export interface ServeOptions {
  /** URL prefix ("/" or "/name/") -> folder. The longest matching prefix wins. */
  mounts: Record<string, string>;
  /** 0 (default): any free port. */
  port?: number;
}

/** The file a URL path names, or undefined when it is outside every mounted folder. */
export function resolveRequest(mounts: Record<string, string>, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split("?")[0]!.split("#")[0]!);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0")) return undefined;
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  for (const prefix of prefixes) {
    if (!decoded.startsWith(prefix)) continue;
    const root = path.resolve(mounts[prefix]!);
    const rel = decoded.slice(prefix.length) || "index.html";
    const file = path.resolve(root, rel.endsWith("/") ? `${rel}index.html` : rel);
    return file === root || file.startsWith(root + path.sep) ? file : undefined;
  }
  return undefined;
}

function handle(mounts: Record<string, string>, req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { Allow: "GET, HEAD" }).end();
    return;
  }
  const file = resolveRequest(mounts, req.url ?? "/");
  let size = -1;
  try {
    if (file !== undefined) {
      const st = fs.statSync(file);
      if (st.isFile()) size = st.size;
    }
  } catch {
    size = -1;
  }
  if (file === undefined || size < 0) {
    res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("not found\n");
    return;
  }
  res.writeHead(200, {
    "Content-Type": contentType(file),
    "Content-Length": size,
    "Cache-Control": "no-cache",
  });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  fs.createReadStream(file).pipe(res);
}

/** Starts the server; resolves once it listens. */
export async function serveStatic(options: ServeOptions): Promise<StaticServer> {
  for (const prefix of Object.keys(options.mounts)) {
    if (!prefix.startsWith("/") || !prefix.endsWith("/")) {
      throw new Error(`mount prefix '${prefix}' must start and end with '/'`);
    }
  }
  const server = http.createServer((req, res) => handle(options.mounts, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
