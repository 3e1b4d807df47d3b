// The official TypeScript SDK client opening one 2025-11-25 session through the load balancer and calling a
// read-only tool several times on it; tests/Portcullis.Tests/Replicas checks which replicas served the session.
// Usage: node ts-session-client.mjs URL TOKEN CALLS. Prints one JSON line: { sessionId, protocolVersion, texts }.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [url, token, calls] = process.argv.slice(2);
const transport = new StreamableHTTPClientTransport(new URL(url), {
  requestInit: { headers: { Authorization: `Bearer ${token}` } },
});
const client = new Client({ name: "portcullis-replica-test", version: "1.0.0" });
await client.connect(transport);
const texts = [];
for (let i = 0; i < Number(calls); i++) {
  const result = await client.callTool({ name: "find_contact", arguments: { query: "Ada" } });
  if (result.isError) {
    throw new Error(`call ${i} failed: ${JSON.stringify(result)}`);
  }
  texts.push(result.content[0].text);
}
console.log(JSON.stringify({ sessionId: transport.sessionId, protocolVersion: transport.protocolVersion, texts }));
await client.close();
