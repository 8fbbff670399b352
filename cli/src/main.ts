#!/usr/bin/env node
// The `chargeback` entry point (run through tsx; see docs/adr/0001-runtime-and-toolchain.md).
import { loadEnv } from "./config";
import { main } from "./run";

process.exitCode = await main(process.argv.slice(2), loadEnv());
