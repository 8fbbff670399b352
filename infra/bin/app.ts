#!/usr/bin/env -S npx tsx
/** `cdk synth` / `cdk deploy` entry point (cdk.json: "app": "npx tsx bin/app.ts"). */
import { createChargebackApp } from "../src/app";

createChargebackApp().app.synth();
