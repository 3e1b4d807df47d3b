// Calls tools through an official MCP TypeScript SDK client, as an application built on it would: list the tools
// first (the client then checks structured results against each tool's outputSchema), then make each call in turn.
// Prints one JSON array: per call, {"result": CallToolResult} or {"thrown": message}.
//
//   node call-tools.mjs <v1|v2|mcp-remote> <endpoint URL> <bearer token or ""> '<[{"name": ..., "arguments": {...}}, ...]>'
//
// v1 is @modelcontextprotocol/sdk (1.x), v2 is @modelcontextprotocol/client (2.x); mcp-remote is the 1.x client over stdio
// to mcp-remote, which relays to the endpoint as Claude Desktop runs it (the header from the environment, as the
// README's config has it). All three pinned in ../package.json.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [sdk, endpoint, token, callsJson] = process.argv.slice(2);

async function load(line) {
  if (line === 'v1' || line === 'mcp-remote') {
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
    const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
    return { Client, StreamableHTTPClientTransport, StdioClientTransport };
  }
  if (line === 'v2') {
    return await import('@modelcontextprotocol/client');
  }
  throw new Error(`unknown client line '${line}': use v1, v2 or mcp-remote`);
}

const { Client, StreamableHTTPClientTransport, StdioClientTransport } = await load(sdk);

// mcp-remote keeps its OAuth state and lock files in MCP_REMOTE_CONFIG_DIR (else ~/.mcp-auth): a folder of its own.
const remoteConfigDir = sdk === 'mcp-remote' ? mkdtempSync(join(tmpdir(), 'mcp-remote-')) : null;

function transport() {
  if (sdk !== 'mcp-remote') {
    const headers = token ? { Authorization: `Bearer ${token}` } : {};
    return new StreamableHTTPClientTransport(new URL(endpoint), { requestInit: { headers } });
  }

  const proxy = fileURLToPath(new URL('../node_modules/mcp-remote/dist/proxy.js', import.meta.url));
  const stdio = new StdioClientTransport({
    command: process.execPath,
    args: [proxy, endpoint, '--header', 'Authorization:${AUTH_HEADER}'],
    env: { AUTH_HEADER: `Bearer ${token}`, MCP_REMOTE_CONFIG_DIR: remoteConfigDir },
    stderr: 'pipe',
  });
  // Its log goes to stderr; kept, so a failing test shows it.
  stdio.stderr?.on('data', chunk => process.stderr.write(chunk));
  return stdio;
}

const client = new Client({ name: 'portcullis-tests', version: '1.0.0' });
await client.connect(transport());
await client.listTools();

const outcomes = [];
for (const call of JSON.parse(callsJson)) {
  try {
    outcomes.push({ result: await client.callTool({ name: call.name, arguments: call.arguments }) });
  } catch (error) {
    outcomes.push({ thrown: String(error?.message ?? error) });
  }
}

await client.close();
if (remoteConfigDir) {
  rmSync(remoteConfigDir, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(outcomes) + '\n');
