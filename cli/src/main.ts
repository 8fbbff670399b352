#!/usr/bin/env node
// The `chargeback` entry point: run through tsx in the repo (docs/adr/0001-runtime-and-toolchain.md),
// bundled into cli/dist for the installed package (docs/adr/0010-packages.md).
import { loadEnv } from "./config";
import { main } from "./run";

process.exitCode = await main(process.argv.slice(2), loadEnv());
