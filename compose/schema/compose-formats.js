// The string formats the compose-spec JSON schema names, as Compose reads them (ajv knows none
// of them: its own "duration" is ISO 8601, while Compose durations are Go's, e.g. "1m30s").
// Loaded by ajv-cli with -c; compose/check_compose.py runs it.
"use strict";

const duration = /^[+-]?(\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))*$/;
// [[ip:][host port or range]:]container port or range[/protocol]; IPv6 addresses in brackets.
const ports = /^((\[[0-9A-Fa-f:.]+\]|[0-9.]+):)?((\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/;
const expose = /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/;
const subnet = /^([0-9]{1,3}(\.[0-9]{1,3}){3}\/\d{1,2}|[0-9A-Fa-f:]+\/\d{1,3})$/;

module.exports = function addComposeFormats(ajv) {
  ajv.addFormat("duration", duration);
  ajv.addFormat("ports", { type: "string", validate: ports });
  ajv.addFormat("expose", { type: "string", validate: expose });
  ajv.addFormat("subnet_ip_address", subnet);
  return ajv;
};
