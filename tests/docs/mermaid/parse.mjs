// Parses each Mermaid diagram of a JSON array read from standard input with mermaid.parse(),
// and prints a JSON array with null for each diagram that parses, else the parser's message.
// mermaid needs a DOM (DOMPurify) even to parse: jsdom provides it.
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });

let input = "";
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const diagram of JSON.parse(input)) {
  try {
    await mermaid.parse(diagram);
    results.push(null);
  } catch (error) {
    results.push(String(error?.message ?? error));
  }
}
process.stdout.write(JSON.stringify(results));
