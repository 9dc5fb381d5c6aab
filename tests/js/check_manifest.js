#!/usr/bin/env node
// Validates a Teams app manifest against the official JSON schema, offline.
//
// stdin:  one manifest (JSON object)
// stdout: a JSON array of error messages; [] means the manifest is valid
// exit:   0 when the manifest could be checked (valid or not), 2 otherwise.
//
// The schemas ship in npm `@microsoft/app-manifest`. Its own entry point cannot be loaded
// (it requires `fs-extra`, which it lists only as a dev dependency), so this repeats what its
// `AppManifestUtils.validateAgainstSchema` does: Ajv for draft-04 with the uri, email and
// regex formats, all errors reported.
"use strict";

const fs = require("fs");
const path = require("path");
const Ajv04 = require("ajv-draft-04");
const addFormats = require("ajv-formats");

const SCHEMAS = path.join(
  path.dirname(require.resolve("@microsoft/app-manifest/package.json")),
  "build",
  "json-schemas",
  "teams",
);

function fail(message) {
  process.stderr.write(`check_manifest: ${message}\n`);
  return 2;
}

function main() {
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(0, "utf8"));
  } catch (error) {
    return fail(`stdin is not JSON: ${error.message}`);
  }
  const version = manifest && manifest.manifestVersion;
  if (typeof version !== "string" || !/^\d+\.\d+$/.test(version)) {
    return fail(`manifestVersion missing or malformed: ${JSON.stringify(version)}`);
  }
  const schemaFile = path.join(SCHEMAS, `v${version}`, "MicrosoftTeams.schema.json");
  if (!fs.existsSync(schemaFile)) {
    return fail(`no schema for manifestVersion ${version} at ${schemaFile}`);
  }
  const schema = JSON.parse(fs.readFileSync(schemaFile, "utf8"));
  const ajv = new Ajv04({ allErrors: true, strictTypes: false });
  addFormats(ajv, ["uri", "email", "regex"]);
  const validate = ajv.compile(schema);
  const errors = validate(manifest)
    ? []
    : validate.errors.map(
        (e) => `${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`,
      );
  process.stdout.write(JSON.stringify(errors) + "\n");
  return 0;
}

process.exitCode = main();
