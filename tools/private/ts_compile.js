// Compiles one ts_project: type-checks its sources against the declarations
// of its declared deps only, emits .js and .d.ts, and fails when a source
// imports a file or npm package that is not a declared dep.
//
// Usage: node ts_compile.js <config.json>   (written by ts_project.bzl)
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

function main() {
  const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const ts = require(path.join(config.nodeModules, 'typescript'));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ts_project-'));
  const madeLink = !fs.existsSync('node_modules');
  try {
    return compile(ts, config, scratch);
  } finally {
    if (madeLink) fs.rmSync('node_modules', {force: true});
    fs.rmSync(scratch, {recursive: true, force: true});
  }
}

/**
 * A node_modules folder holding links to the declared npm packages only.
 *
 * It is made in the working directory (the action's sandboxed execroot) so
 * that module resolution, package "exports" included, finds it from every
 * source. Without a sandbox the execroot already links the workspace's whole
 * node_modules; checkDeclaredDeps still rejects undeclared packages then.
 */
function linkDeclaredPackages(config, scratch) {
  if (fs.existsSync('node_modules')) return path.resolve('node_modules');
  const root = path.join(scratch, 'node_modules');
  fs.mkdirSync(path.join(root, '@types'), {recursive: true});
  // Every package the deps use is linked, so that their declarations
  // type-check; checkDeclaredDeps allows imports of the direct ones only.
  const seen = new Set();
  for (const pkg of [...config.npm, ...config.npmTransitive]) {
    if (seen.has(pkg.name)) continue;
    seen.add(pkg.name);
    const link = path.join(root, pkg.name);
    fs.mkdirSync(path.dirname(link), {recursive: true});
    fs.symlinkSync(pkg.path, link, 'dir');
  }
  fs.symlinkSync(root, 'node_modules', 'dir');
  return path.resolve('node_modules');
}

function compilerOptions(ts, config, linkedModules) {
  const read = ts.readConfigFile(config.tsconfig, ts.sys.readFile);
  if (read.error) throw new Error(formatAll(ts, [read.error]));
  const types = config.npm.map((p) => p.name)
                    .filter((n) => n.startsWith('@types/'))
                    .map((n) => n.slice('@types/'.length));
  const json = Object.assign({}, read.config.compilerOptions, {
    // The compiler API wants absolute paths where tsconfig.json may use
    // relative ones.
    rootDir: path.resolve(config.rootDir),
    outDir: path.resolve(config.outDir),
    rootDirs: [path.resolve('.'), path.resolve(config.binDir)],
    declaration: true,
    // Stack traces can name the .ts file and line (node
    // --enable-source-maps, as mocha_test runs). Inline, so that no output
    // is added; the map's source path, relative to the .js under
    // bazel-out/<config>/bin, leads back to the source in the execroot,
    // which links the workspace.
    sourceMap: false,
    inlineSourceMap: true,
    noEmit: false,
    incremental: false,
    composite: false,
    types,
    typeRoots: [path.join(linkedModules, '@types')],
    // `import './provider'` registers a provider as it loads; tsc checks
    // that such an import resolves only with this option, and an
    // unresolved one would pass the build and fail at run time.
    noUncheckedSideEffectImports: true,
  });
  const converted = ts.convertCompilerOptionsFromJson(json, process.cwd());
  if (converted.errors.length) {
    throw new Error(formatAll(ts, converted.errors));
  }
  return converted.options;
}

function compile(ts, config, scratch) {
  const linkedModules = linkDeclaredPackages(config, scratch);
  const options = compilerOptions(ts, config, linkedModules);
  const host = ts.createCompilerHost(options);
  const program = ts.createProgram(config.srcs, options, host);
  const diagnostics = [...ts.getPreEmitDiagnostics(program)];
  const depErrors = checkDeclaredDeps(ts, config, options, host, diagnostics);
  if (diagnostics.length || depErrors.length) {
    const text = [formatAll(ts, diagnostics), ...depErrors]
                     .filter((s) => s)
                     .join('\n');
    process.stderr.write(text + '\n');
    return 1;
  }
  const expected = new Set(config.outputs.map((o) => path.resolve(o)));
  const written = new Set();
  const writeFile = (fileName, data) => {
    const resolved = path.resolve(fileName);
    if (!expected.has(resolved)) return;
    fs.mkdirSync(path.dirname(resolved), {recursive: true});
    fs.writeFileSync(resolved, data);
    written.add(resolved);
  };
  for (const src of config.srcs) {
    const result = program.emit(program.getSourceFile(src), writeFile);
    if (result.diagnostics.length) {
      process.stderr.write(formatAll(ts, result.diagnostics) + '\n');
      return 1;
    }
  }
  const missing = [...expected].filter((o) => !written.has(o));
  if (missing.length) {
    process.stderr.write(`ts_project ${config.label}: tsc wrote no ${
        missing.join(', ')}\n`);
    return 1;
  }
  return 0;
}

/** The package an import specifier names: 'pg', '@tensorflow/tfjs'. */
function packageOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function checkDeclaredDeps(ts, config, options, host, diagnostics) {
  // Imports tsc could not find (TS2307), as "file\0specifier".
  const notFound = new Set();
  for (const d of diagnostics) {
    if (d.code !== 2307 || !d.file) continue;
    const quoted = /'([^']+)'/.exec(
        ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    if (quoted) {
      notFound.add(`${path.resolve(d.file.fileName)}\0${quoted[1]}`);
    }
  }
  const allowed = new Set([...config.srcs, ...config.allowedFiles].map(
      (f) => path.resolve(f)));
  const npmNames = new Set(config.npm.map((p) => p.name));
  const builtins = new Set(require('module').builtinModules);
  const errors = [];
  for (const src of config.srcs) {
    const text = fs.readFileSync(src, 'utf8');
    const info = ts.preProcessFile(text, true, true);
    for (const imported of info.importedFiles) {
      const spec = imported.fileName;
      const where = position(text, imported.pos);
      const at = `${src}:${where.line}:${where.column}`;
      if (spec.startsWith('.') || spec.startsWith('/')) {
        const resolved = ts.resolveModuleName(spec, src, options, host);
        const file = resolved.resolvedModule?.resolvedFileName;
        if (file === undefined) {
          if (!notFound.has(`${path.resolve(src)}\0${spec}`)) continue;
          // tsc says it cannot find the module (TS2307). In the sandbox
          // only declared deps are there, so a forgotten dep looks the
          // same as a wrong path: both are named.
          const target = workspacePath(path.join(path.dirname(src), spec));
          errors.push(`${at}: error: "${spec}" is in no dep of ${
              config.label}: if ${target}.ts exists, add the target that ` +
              `compiles it (in ${path.dirname(target)}/BUILD.bazel) to ` +
              'deps; else fix the path');
          continue;
        }
        if (!allowed.has(path.resolve(file))) {
          errors.push(`${at}: error: "${spec}" resolves to ${
              path.relative('.', file)}, which is in no dep of ${
              config.label}; add the target that compiles it to deps`);
        }
        continue;
      }
      const name = packageOf(spec.replace(/^node:/, ''));
      if (spec.startsWith('node:') || builtins.has(name)) continue;
      if (!npmNames.has(name)) {
        errors.push(`${at}: error: npm package "${name}" is not a dep of ${
            config.label}; add "@npm//${name}" to deps`);
      }
    }
  }
  return errors;
}

/**
 * `file` (relative to the execroot) as a workspace path: a generated
 * source's bazel-out/<config>/bin/ prefix removed.
 */
function workspacePath(file) {
  return path.normalize(file).replace(/^bazel-out\/[^/]+\/bin\//, '');
}

function position(text, offset) {
  const before = text.slice(0, offset).split('\n');
  return {line: before.length, column: before[before.length - 1].length + 1};
}

function formatAll(ts, diagnostics) {
  return diagnostics.map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.file && d.start !== undefined) {
      const {line, character} = d.file.getLineAndCharacterOfPosition(d.start);
      const name = path.relative('.', d.file.fileName);
      return `${name}:${line + 1}:${character + 1}: error TS${d.code}: ${
          message}`;
    }
    return `error TS${d.code}: ${message}`;
  }).join('\n');
}

try {
  process.exitCode = main();
} catch (e) {
  process.stderr.write(`ts_compile: ${e.stack || e}\n`);
  process.exitCode = 1;
}
