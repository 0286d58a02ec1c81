#!/usr/bin/env node
// A small MCP server written with the official TypeScript SDK (@modelcontextprotocol/sdk),
// for the interoperability tests: `Client("tests/servers/node_echo.js", env={"NODE_PATH": ...})`.
//
// CommonJS on purpose: `require` honours NODE_PATH, so the SDK can live in the test cache
// (.cache/npm/node_modules) instead of a node_modules folder next to this file.
"use strict";

const { McpServer, ResourceTemplate } = require("@modelcontextprotocol/sdk/server/mcp.js");
const { StdioServerTransport } = require("@modelcontextprotocol/sdk/server/stdio.js");
const { z } = require("zod");

const server = new McpServer(
  { name: "node-echo", version: "1.0.0" },
  { capabilities: { logging: {} }, instructions: "A Node.js echo server for mcpclient's interop tests." },
);

const text = (value) => ({ content: [{ type: "text", text: value }] });

server.registerTool(
  "echo",
  { description: "Return the text unchanged.", inputSchema: { text: z.string() } },
  async ({ text: value }) => text(value),
);

server.registerTool(
  "echo_json",
  {
    description: "Return any JSON value unchanged, as structured content {value}.",
    inputSchema: { value: z.any() },
    outputSchema: { value: z.any() },
  },
  async ({ value }) => ({
    content: [{ type: "text", text: JSON.stringify(value === undefined ? null : value) }],
    structuredContent: { value: value === undefined ? null : value },
  }),
);

server.registerTool(
  "add",
  {
    description: "Add two numbers.",
    inputSchema: { a: z.number(), b: z.number() },
    outputSchema: { sum: z.number() },
  },
  async ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }], structuredContent: { sum: a + b } }),
);

server.registerTool(
  "fail",
  { description: "Always fails with the given message.", inputSchema: { message: z.string() } },
  async ({ message }) => {
    throw new Error(message);
  },
);

server.registerTool(
  "progress",
  { description: "Report `steps` progress notifications, then return.", inputSchema: { steps: z.number().int() } },
  async ({ steps }, extra) => {
    const token = extra._meta && extra._meta.progressToken;
    for (let i = 1; i <= steps; i++) {
      if (token !== undefined) {
        await extra.sendNotification({
          method: "notifications/progress",
          params: { progressToken: token, progress: i, total: steps, message: `step ${i}` },
        });
      }
    }
    return text(`done ${steps}`);
  },
);

server.registerTool(
  "log",
  { description: "Send one log message at `level`.", inputSchema: { message: z.string(), level: z.string() } },
  async ({ message, level }) => {
    await server.sendLoggingMessage({ level, logger: "node-echo", data: message });
    return text("logged");
  },
);

server.registerTool(
  "sample",
  { description: "Ask the client's LLM (sampling/createMessage).", inputSchema: { prompt: z.string() } },
  async ({ prompt }) => {
    const result = await server.server.createMessage({
      messages: [{ role: "user", content: { type: "text", text: prompt } }],
      maxTokens: 50,
    });
    return text(result.content.type === "text" ? result.content.text : JSON.stringify(result.content));
  },
);

server.registerTool(
  "elicit",
  { description: "Ask the user for a name (elicitation/create).", inputSchema: {} },
  async () => {
    const result = await server.server.elicitInput({
      message: "Your name?",
      requestedSchema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
    });
    return text(result.action === "accept" ? `hello ${result.content.name}` : result.action);
  },
);

server.registerTool(
  "roots",
  { description: "List the client's roots.", inputSchema: {} },
  async () => {
    const result = await server.server.listRoots();
    return text(JSON.stringify(result.roots.map((root) => root.uri)));
  },
);

server.registerResource(
  "greeting",
  "node://greeting",
  { mimeType: "text/plain", description: "A fixed text, with non-ASCII characters." },
  async (uri) => ({ contents: [{ uri: uri.href, mimeType: "text/plain", text: "Grüße aus Node.js ✓" }] }),
);

server.registerResource(
  "user",
  new ResourceTemplate("node://users/{id}", {
    list: undefined,
    complete: { id: (value) => ["1", "2", "10", "20"].filter((id) => id.startsWith(value)) },
  }),
  { mimeType: "application/json" },
  async (uri, { id }) => ({
    contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify({ id: Number(id) }) }],
  }),
);

server.registerPrompt(
  "greet",
  { description: "Greet someone.", argsSchema: { name: z.string() } },
  ({ name }) => ({ messages: [{ role: "user", content: { type: "text", text: `Hello, ${name}!` } }] }),
);

async function main() {
  await server.connect(new StdioServerTransport());
  console.error("node-echo: serving on stdio");
}

main().catch((error) => {
  console.error("node-echo failed:", error);
  process.exit(1);
});
