import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderReadme } from "../src/readme";

writeFileSync(fileURLToPath(new URL("../README.md", import.meta.url)), renderReadme());
