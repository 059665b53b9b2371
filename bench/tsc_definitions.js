// For each call site read from stdin (one JSON object per line: file, line, col, name), the
// definitions the TypeScript language service gives for the callee's last name, one JSON
// line each: {"site": [...], "answers": [{file, line, name, kind}]} or {"site": ..., "answers": null}
// when no call of that name starts there. Usage: node tsc_definitions.js TYPESCRIPT_DIR ROOT
"use strict";
const fs = require("fs");
const path = require("path");
const ts = require(process.argv[2]);
const root = path.resolve(process.argv[3]);

function sourceFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== ".git" && entry.name !== ".pf") out.push(...sourceFiles(full));
    else if (/\.(ts|tsx|mts|cts)$/.test(entry.name)) out.push(full);
  }
  return out;
}

const files = sourceFiles(root);
const options = {
  target: ts.ScriptTarget.ESNext, module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler, noEmit: true, skipLibCheck: true,
  allowImportingTsExtensions: true, types: [],
};
const host = {
  getScriptFileNames: () => files,
  getScriptVersion: () => "1",
  getScriptSnapshot: (f) => (fs.existsSync(f) ? ts.ScriptSnapshot.fromString(fs.readFileSync(f, "utf8")) : undefined),
  getCurrentDirectory: () => root,
  getCompilationSettings: () => options,
  getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
  fileExists: ts.sys.fileExists, readFile: ts.sys.readFile, readDirectory: ts.sys.readDirectory,
  directoryExists: ts.sys.directoryExists, getDirectories: ts.sys.getDirectories,
};
const service = ts.createLanguageService(host, ts.createDocumentRegistry());
const program = service.getProgram();

function calleeName(call) {
  let expression = call.expression;
  while (ts.isParenthesizedExpression(expression) || ts.isNonNullExpression(expression)) expression = expression.expression;
  if (ts.isPropertyAccessExpression(expression)) return expression.name;
  if (ts.isIdentifier(expression)) return expression;
  return undefined;
}

function nameAt(sf, position, name) {
  let found;
  const visit = (node) => {
    if (found) return;
    if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && node.getStart(sf) === position) {
      const id = calleeName(node);
      if (id && id.text === name) { found = id; return; }
    }
    if (node.pos <= position && position < node.end) ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

const lines = fs.readFileSync(0, "utf8").split("\n").filter(Boolean);
for (const line of lines) {
  const site = JSON.parse(line);
  const absolute = path.join(root, site.file);
  const sf = program.getSourceFile(absolute);
  let answers = null;
  if (sf) {
    const position = sf.getPositionOfLineAndCharacter(site.line - 1, site.col);
    const id = nameAt(sf, position, site.name);
    if (id) {
      answers = (service.getDefinitionAtPosition(absolute, id.getStart(sf)) || []).map((d) => {
        const target = program.getSourceFile(d.fileName);
        const inside = d.fileName.startsWith(root + path.sep);
        const at = target ? target.getLineAndCharacterOfPosition(d.textSpan.start).line + 1 : 0;
        return { file: inside ? path.relative(root, d.fileName) : null, line: at, name: d.name, kind: d.kind };
      });
    }
  }
  process.stdout.write(JSON.stringify({ site: [site.file, site.line, site.col, site.callee], answers }) + "\n");
}
