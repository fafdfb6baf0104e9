// Parses every .tf / .tfvars / .hcl file with HCL's own parser and checks it is formatted as
// `terraform fmt` would format it (HashiCorp's Go code, compiled to WASM): no terraform binary needed.
//   node scripts/hcl/hcl-check.mjs DIR...          check; exit 1 on a parse error or an unformatted file
//   node scripts/hcl/hcl-check.mjs --write DIR...  rewrite unformatted files in place
import { readFileSync, writeFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { parse } from "@cdktf/hcl2json";
import { format } from "@cdktf/hcl-tools";

const args = process.argv.slice(2);
const write = args[0] === "--write";
const roots = write ? args.slice(1) : args;

function* hclFiles(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (name === ".terraform" || name === "node_modules") continue;
    if (statSync(path).isDirectory()) yield* hclFiles(path);
    else if (/\.(tf|tfvars|hcl)$/.test(name) || name.endsWith(".hcl.example")) yield path;
  }
}

let failures = 0;
let count = 0;
for (const root of roots) {
  for (const file of hclFiles(root)) {
    count += 1;
    const text = readFileSync(file, "utf8");
    try {
      await parse(file.replace(/\.example$/, ""), text);
    } catch (error) {
      failures += 1;
      console.error(`${file}: does not parse: ${String(error).trim()}`);
      continue;
    }
    const formatted = await format(text);
    if (formatted !== text) {
      if (write) {
        writeFileSync(file, formatted);
        console.log(`formatted ${file}`);
      } else {
        failures += 1;
        console.error(`${file}: not formatted (run: make fmt)`);
      }
    }
  }
}
console.log(`${count} HCL files checked, ${failures} failed`);
process.exit(failures ? 1 : 0);
