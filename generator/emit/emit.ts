/**
 * Emission: renders the planned model through the Handlebars templates (strict,
 * no HTML escaping, known helpers only) and assembles a self-contained C folder.
 * Output is deterministic (no timestamps) and written crash-safely, replacing only a folder
 * tinyfoa wrote (folders.ts).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Handlebars from 'handlebars';
import { projectRoot } from '../../targets/targets.ts';
import { DRIVER_FILES, DRIVER_SOURCE, RUNTIME_SOURCE_DIR } from '../firmware/library.ts';
import type { PlannedModel } from '../plan/plan.ts';
import { formatCommand } from '../toolchain/compile.ts';
import { buildFacts, emulatorCommand } from '../toolchain/facts.ts';
import { writeOutputFolder, type FolderCheck } from './folders.ts';
import { packagingData, packagingFiles } from './packaging.ts';
import { renodeScript } from './renode.ts';

export const TOOL_VERSION = '0.1.0';

const TEMPLATE_DIR = join(projectRoot, 'templates');

const hbs = Handlebars.create();
// The only helper: joins a list of numbers computed by the planner.
hbs.registerHelper('join', (list: unknown) => {
  if (!Array.isArray(list)) throw new Error('join expects a list');
  return list.join(', ');
});

const compiled = new Map<string, HandlebarsTemplateDelegate>();

export function render(template: string, data: object): string {
  let t = compiled.get(template);
  if (!t) {
    t = hbs.compile(readFileSync(join(TEMPLATE_DIR, template), 'utf8'), {
      strict: true,
      noEscape: true,
      knownHelpersOnly: true,
      knownHelpers: { join: true },
    });
    compiled.set(template, t);
  }
  return t(data);
}

/** One file of the generated folder: path relative to the folder, and its bytes. */
export interface GeneratedFile {
  path: string;
  contents: string | Buffer;
}

/** The layout of a generated folder, relative to its root. */
export const LAYOUT = {
  model: 'model',
  runtime: 'runtime',
  driver: 'driver',
  target: 'target',
  /** Wrappers of model/ and runtime/ for the builds that compile src/ only (Arduino, PlatformIO). */
  src: 'src',
} as const;

/** Every file of the generated folder, in a stable order. */
export function generateFiles(p: PlannedModel): GeneratedFile[] {
  const data = { ...p, toolVersion: TOOL_VERSION };
  const files: GeneratedFile[] = [
    { path: `${LAYOUT.model}/tf_model.h`, contents: render('tf_model.h.hbs', data) },
    { path: `${LAYOUT.model}/${p.prefix}_model.c`, contents: render('model.c.hbs', data) },
  ];
  for (const name of readdirSync(RUNTIME_SOURCE_DIR).sort()) {
    if (!/\.[ch]$/.test(name) || name === DRIVER_SOURCE) continue;
    files.push({ path: `${LAYOUT.runtime}/${name}`, contents: readFileSync(join(RUNTIME_SOURCE_DIR, name)) });
  }
  // The driver of the target's console: stdio over semihosting, or the serial link (docs/link.md).
  for (const name of DRIVER_FILES[p.target.console]) {
    files.push({ path: `${LAYOUT.driver}/${basename(name)}`, contents: readFileSync(join(RUNTIME_SOURCE_DIR, name)) });
  }
  const t = p.target;
  const targetFiles = new Set<string>([...t.runtimeSources]);
  if (t.linkerScript) targetFiles.add(t.linkerScript);
  for (const f of t.linkerIncludes) targetFiles.add(f);
  // Headers of the include directory, and those beside the target's sources (board drivers).
  for (const dir of new Set([t.includeDir, ...t.runtimeSources.map((f) => dirname(f))])) {
    for (const name of readdirSync(join(projectRoot, dir)).sort()) {
      if (name.endsWith('.h')) targetFiles.add(join(dir, name));
    }
  }
  for (const f of [...targetFiles].sort()) {
    files.push({ path: `${LAYOUT.target}/${basename(f)}`, contents: readFileSync(join(projectRoot, f)) });
  }
  const sources = files.filter((f) => /\.(c|S)$/.test(f.path)).map((f) => f.path);
  const facts = buildFacts(t, { fileName: (f) => `${LAYOUT.target}/${basename(f)}` });
  const elf = 'build/firmware.elf';
  const driverFiles = DRIVER_FILES[t.console].map((f) => basename(f));
  const makeData = {
    ...data,
    driverFiles: driverFiles.filter((f) => f.endsWith('.c')).map((f) => `driver/${f}`).join(' + '),
    driver:
      t.console === 'uart'
        ? `${driverFiles.map((f) => `\`${f}\``).join(', ')}: the board driver, which serves the model over the serial link on the console UART (tinyfoa's docs/link.md)`
        : '`tf_main.c`, the firmware driver used for emulation and verification',
    // Semihosting firmware reads job files from its working directory; a board's firmware is driven over its UART.
    jobFiles: t.console === 'semihosting' && t.runner !== 'none',
    runInput: t.console === 'uart' ? 'with its console UART on this terminal (tinyfoa run drives the serial link)' : 'reading job.bin, train.bin and test.bin from this folder',
    cc: facts.compiler,
    size: t.sizeTool,
    cflags: facts.cflags.join(' '),
    ldflags: facts.ldflags.join(' '),
    ldlibs: facts.ldlibs.join(' '),
    includes: [LAYOUT.model, LAYOUT.runtime, LAYOUT.target].map((d) => `-I${d}`).join(' '),
    sources: sources.join(' \\\n          '),
    run:
      t.runner === 'none'
        ? `@echo "${t.name} is a build-only board: program it with tinyfoa flash <model> --board ${t.name}"`
        : // `make run DATA=<dir>` runs in <dir>: the image is named from the folder's own path.
          formatCommand(emulatorCommand(t, { elf: `$(CURDIR)/${elf}`, argv: [basename(elf)] })),
  };
  files.push({ path: 'Makefile', contents: render('Makefile.hbs', makeData) });
  const packaging = { sources, ldflags: facts.ldflags, ldlibs: facts.ldlibs };
  files.push({ path: 'README.md', contents: render('README.md.hbs', { ...makeData, ...packagingData(p, packaging, TOOL_VERSION) }) });
  const resc = renodeScript(t, elf);
  if (resc !== null) files.push({ path: 'renode.resc', contents: resc });
  files.push({ path: 'tinyfoa.json', contents: `${JSON.stringify(manifest(p), null, 2)}\n` });
  files.push(...packagingFiles(p, packaging, TOOL_VERSION, render));
  return files;
}

/** The machine-readable summary of what was generated (no timestamps: output is reproducible). */
export function manifest(p: PlannedModel): object {
  return {
    tool: 'tinyfoa',
    toolVersion: TOOL_VERSION,
    runtimeVersion: p.runtimeVersion,
    semanticsVersion: p.semanticsVersion,
    model: p.ir.name,
    target: p.target.name,
    ir: { ...p.ir, source: basename(p.ir.source) },
    arenaFloats: p.arenaFloats,
    bitArenaWords: p.bitArenaWords,
    storeFloats: p.storeFloats,
    learnSteps: p.learnSteps,
    memory: p.memory,
  };
}

/**
 * Writes `files` as the output folder `outDir`, replacing it only when tinyfoa wrote it, and
 * crash-safely (generator/emit/folders.ts): a failure or a kill leaves the old folder or the new one.
 */
export function writeFolderAtomically(outDir: string, files: GeneratedFile[], check: FolderCheck = {}): void {
  writeOutputFolder(outDir, files, check);
}
