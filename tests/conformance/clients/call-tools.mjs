// Calls tools through an official MCP TypeScript SDK client, as an application built on it would: list the tools
// first (the client then checks structured results against each tool's outputSchema), then make each call in turn.
// Prints one JSON array: per call, {"result": CallToolResult} or {"thrown": message}.
//
//   node call-tools.mjs <v1|v2> <endpoint URL> <bearer token or ""> '<[{"name": ..., "arguments": {...}}, ...]>'
//
// v1 is @modelcontextprotocol/sdk (1.x), v2 is @modelcontextprotocol/client (2.x); both pinned in ../package.json.
const [sdk, endpoint, token, callsJson] = process.argv.slice(2);

async function load(line) {
  if (line === 'v1') {
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
    return { Client, StreamableHTTPClientTransport };
  }
  if (line === 'v2') {
    return await import('@modelcontextprotocol/client');
  }
  throw new Error(`unknown SDK line '${line}': use v1 or v2`);
}

const { Client, StreamableHTTPClientTransport } = await load(sdk);
const headers = token ? { Authorization: `Bearer ${token}` } : {};
const client = new Client({ name: 'portcullis-tests', version: '1.0.0' });
await client.connect(new StreamableHTTPClientTransport(new URL(endpoint), { requestInit: { headers } }));
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
process.stdout.write(JSON.stringify(outcomes) + '\n');
