/**
 * Emission: renders the planned model through the Handlebars templates (strict,
 * no HTML escaping, known helpers only) and assembles a self-contained C folder.
 * Output is deterministic (no timestamps) and written crash-safely, replacing only a folder
 * tinyfoa wrote (folders.ts).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import Handlebars from 'handlebars';
import { projectRoot } from '../../targets/targets.ts';
import { DRIVER_SOURCE, RUNTIME_SOURCE_DIR } from '../firmware/library.ts';
import type { PlannedModel } from '../plan/plan.ts';
import { MANDATORY_CFLAGS } from '../toolchain/compile.ts';
import { writeOutputFolder, type FolderCheck } from './folders.ts';

export const TOOL_VERSION = '0.1.0';

const TEMPLATE_DIR = join(projectRoot, 'templates');

const hbs = Handlebars.create();
// The only helper: joins a list of numbers computed by the planner.
hbs.registerHelper('join', (list: unknown) => {
  if (!Array.isArray(list)) throw new Error('join expects a list');
  return list.join(', ');
});

const compiled = new Map<string, HandlebarsTemplateDelegate>();

function render(template: string, data: object): string {
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
} as const;

/** Every file of the generated folder, in a stable order. */
export function generateFiles(p: PlannedModel): GeneratedFile[] {
  const data = { ...p, toolVersion: TOOL_VERSION };
  const files: GeneratedFile[] = [
    { path: `${LAYOUT.model}/tf_model.h`, contents: render('tf_model.h.hbs', data) },
    { path: `${LAYOUT.model}/${p.prefix}_model.c`, contents: render('model.c.hbs', data) },
  ];
  for (const name of readdirSync(RUNTIME_SOURCE_DIR).sort()) {
    if (!/\.[ch]$/.test(name)) continue;
    const dir = name === DRIVER_SOURCE ? LAYOUT.driver : LAYOUT.runtime;
    files.push({ path: `${dir}/${name}`, contents: readFileSync(join(RUNTIME_SOURCE_DIR, name)) });
  }
  const t = p.target;
  const targetFiles = new Set<string>([...t.runtimeSources]);
  if (t.linkerScript) targetFiles.add(t.linkerScript);
  for (const name of readdirSync(join(projectRoot, t.includeDir)).sort()) {
    if (name.endsWith('.h')) targetFiles.add(join(t.includeDir, name));
  }
  for (const f of [...targetFiles].sort()) {
    files.push({ path: `${LAYOUT.target}/${basename(f)}`, contents: readFileSync(join(projectRoot, f)) });
  }
  const sources = files.filter((f) => f.path.endsWith('.c')).map((f) => f.path);
  const layout = t.layout;
  const makeData = {
    ...data,
    cc: t.compiler,
    size: t.sizeTool,
    cflags: [...MANDATORY_CFLAGS, ...t.cpuFlags, ...(t.gcSections ? ['-ffunction-sections', '-fdata-sections'] : [])].join(' '),
    ldflags: [
      ...t.cpuFlags,
      ...(t.linkerScript ? [`-T${LAYOUT.target}/${basename(t.linkerScript)}`] : []),
      ...(t.gcSections ? ['-Wl,--gc-sections'] : []),
      ...(layout
        ? [
            `-Wl,--defsym=__tf_stack_size=${layout.stackBytes}`,
            `-Wl,--defsym=__tf_handler_stack_size=${layout.handlerStackBytes}`,
            `-Wl,--defsym=__tf_heap_size=${layout.heapBytes}`,
          ]
        : []),
    ].join(' '),
    ldlibs: t.linkFlags.join(' '),
    includes: [LAYOUT.model, LAYOUT.runtime, LAYOUT.target].map((d) => `-I${d}`).join(' '),
    sources: sources.join(' \\\n          '),
    run: t.qemu
      ? `qemu-system-arm -M ${t.qemu.machine} -nographic -monitor none -serial none -semihosting-config enable=on,target=native -kernel build/firmware.elf`
      : './build/firmware.elf',
  };
  files.push({ path: 'Makefile', contents: render('Makefile.hbs', makeData) });
  files.push({ path: 'README.md', contents: render('README.md.hbs', makeData) });
  files.push({ path: 'tinyfoa.json', contents: `${JSON.stringify(manifest(p), null, 2)}\n` });
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
