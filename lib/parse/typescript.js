'use strict';
// Loads the TypeScript compiler (the package's runtime dependency) and the helpers every
// mode shares: parse one file, describe its syntax errors.

const fs = require('fs');

let ts = null;

/** The typescript module (loaded on first use; loading it is part of every timed run). */
function load() {
  if (ts === null) ts = require('typescript');
  return ts;
}

/** Reads and parses one file the way every mode does (no parent pointers, latest target). */
function parseFile(ts, file) {
  const text = fs.readFileSync(file, 'utf8');
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, /* setParentNodes */ false);
}

/** Syntax errors of a parsed file as `path:line:col: error TSnnnn: message` lines (at most `max`). */
function syntaxErrors(ts, sf, max = 5) {
  const diags = sf.parseDiagnostics;
  if (!diags || diags.length === 0) return [];
  const out = [];
  for (let i = 0; i < diags.length && i < max; i++) {
    const d = diags[i];
    const { line, character } = ts.getLineAndCharacterOfPosition(sf, d.start);
    out.push(`${sf.fileName}:${line + 1}:${character + 1}: error TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
  }
  if (diags.length > max) out.push(`${sf.fileName}: ... and ${diags.length - max} more syntax errors`);
  return out;
}

module.exports = { load, parseFile, syntaxErrors };
