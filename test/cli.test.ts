import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = new URL('../bin/tinyfoa.js', import.meta.url).pathname;
const example = new URL('../examples/mnist.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tinyfoa-cli-'));

function tinyfoa(...args: string[]) {
  return execa('node', [bin, ...args], { reject: false, cwd: dir, env: { NO_COLOR: '1' } });
}

describe('the tinyfoa command', () => {
  it('prints help for every command', async () => {
    const top = await tinyfoa('--help');
    expect(top.exitCode).toBe(0);
    for (const cmd of ['simulate', 'generate', 'build', 'run', 'verify', 'flash', 'export', 'demo']) {
      expect(top.stdout).toContain(cmd);
      const r = await tinyfoa(cmd, '--help');
      expect(r.exitCode, cmd).toBe(0);
      expect(r.stdout).toMatch(/Usage: tinyfoa/);
    }
  });

  it('ends quietly when the reader closes the pipe early', async () => {
    // `true` exits without reading, long before tinyfoa has started: its first write hits a closed pipe.
    for (const args of ['memory ' + example, '--help']) {
      const r = await execa('bash', ['-o', 'pipefail', '-c', `node ${bin} ${args} | true`], { reject: false, cwd: dir });
      expect(r.stderr, args).toBe('');
      expect(r.exitCode, args).toBe(0);
    }
  });

  it('simulate --json prints accuracy, perLayer and digest', async () => {
    const r = await tinyfoa('simulate', example, '--data', 'mnist', '--limit', '200', '--limit-test', '100', '--json');
    expect(r.exitCode, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.perLayer).toHaveLength(2);
    expect(j.digest).toMatch(/^[0-9a-f]{8}$/);
    expect(j.accuracy).toBeGreaterThan(0.3);
    expect(j.trainSamples).toBe(200);
  });

  it('reports a model error at file:line:col with exit code 2 and writes nothing', async () => {
    const bad = join(dir, 'bad.ts');
    writeFileSync(bad, readFileSync(example, 'utf8').replace(/learningRate: [0-9.]+/, 'learningRate: 0'));
    const out = join(dir, 'never');
    const r = await tinyfoa('generate', bad, '--target', 'host', '-o', out);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${bad.replace(/[.]/g, '\\.')}:\\d+:\\d+: training.optimizer.learningRate must be greater than 0`));
    expect(existsSync(out)).toBe(false);
  });

  it('rejects bad flags and data with exit code 2', async () => {
    expect((await tinyfoa('simulate', example, '--data', 'nope')).exitCode).toBe(2);
    expect((await tinyfoa('simulate', example, '--data', 'mnist', '--limit', 'ten')).exitCode).toBe(2);
    const r = await tinyfoa('generate', example, '--target', 'pdp11');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/unknown target 'pdp11': known targets are host, host-link, cortex-m3, cortex-m4, cortex-m7, cortex-m33, stm32f405/);
    expect((await tinyfoa('frobnicate')).exitCode).toBe(2);
    const speed = await tinyfoa('bench', 'perf', '--speed', '-o', join(dir, 'no-perf-yet'));
    expect(speed.exitCode).toBe(2);
    expect(speed.stderr).toMatch(/no-perf-yet\/perf\.json, which does not exist; run tinyfoa bench perf without --speed first/);
    expect((await tinyfoa('bench', 'perf', '--speed', '--quick')).exitCode).toBe(2);
  });

  it('demo goes model → C → firmware → training in QEMU → bit-exact check (on a subset)', async () => {
    const r = await tinyfoa('demo', '--model', example, '--target', 'cortex-m4', '--fit', 'emulator', '--limit', '120', '--limit-test', '60', '-o', join(dir, 'demo'), '--json');
    expect(r.exitCode, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.target).toBe('cortex-m4');
    expect(j.bitExact).toBe(true);
    expect(j.device.digest).toBe(j.simulator.digest);
    expect(j.device.perLayer.map((p: { correct: number }) => p.correct)).toEqual(j.simulator.perLayer.map((p: { correct: number }) => p.correct));
    expect(j.device.cycles).toBeGreaterThan(0);
  });

  it('verify prints a bit-exact report for two targets and build refuses what does not fit', async () => {
    const v = await tinyfoa('verify', example, '--data', 'mnist', '--targets', 'host,cortex-m3', '--steps', '6', '--every', '2', '-o', join(dir, 'verify'));
    expect(v.exitCode, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/host\s+OK\s+3\/3 checkpoints/);
    expect(v.stdout).toMatch(/cortex-m3\s+OK\s+3\/3 checkpoints/);
    expect(v.stdout).toMatch(/bit-exact on every target/);
    const b = await tinyfoa('build', example, '--target', 'cortex-m4', '-o', join(dir, 'b'));
    expect(b.exitCode).toBe(2);
    expect(b.stderr).toMatch(/does not fit STM32F411RE/);
  });

  it('bench table1 --quick writes every row of the table and its plots', async () => {
    const out = join(dir, 'table1');
    const r = await tinyfoa('bench', 'table1', '--data', 'mnist', '--quick', '-o', out, '--json');
    expect(r.exitCode, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.rows.map((row: { algorithm: string }) => row.algorithm).sort()).toEqual(
      ['bp', 'bp-bw-ba', 'ff', 'ff-bw-ba', 'pepita', 'pepita-bw-ba', 'tinyfoa'].sort(),
    );
    for (const row of j.rows) expect(row.errorPercent).toBeGreaterThanOrEqual(0);
    for (const f of ['table1.json', 'table1.md']) expect(existsSync(join(out, f)), f).toBe(true);
    expect(readFileSync(join(out, 'table1.md'), 'utf8')).toMatch(/TinyFoA/);
  }, 400_000);

  it('bench sweep trains every width on the host build, and refuses bad flags with exit 2', async () => {
    for (const [flag, value, message] of [
      ['--input-scale', 'gamma', /--input-scale must be 'fixed' or 'layer'/],
      ['--lr', '-1', /--lr must be a positive number/],
      ['--widths', '16,x', /--widths must be whole numbers/],
    ] as const) {
      const bad = await tinyfoa('bench', 'sweep', flag, value, '-o', join(dir, 'sweep-bad'));
      expect(bad.exitCode, flag).toBe(2);
      expect(bad.stderr).toMatch(message);
    }
    const out = join(dir, 'sweep');
    const r = await tinyfoa('bench', 'sweep', '-d', 'mnist', '--widths', '8,12', '--limit', '60', '--limit-test', '40', '--epochs-per-layer', '1', '-o', out, '--json');
    expect(r.exitCode, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.runs.map((x: { width: number }) => x.width)).toEqual([8, 12]);
    for (const x of j.runs) expect(x.accuracyPercent).toHaveLength(4);
    for (const f of ['sweep.json', 'sweep.md', 'sweep.svg']) expect(existsSync(join(out, f)), f).toBe(true);
  }, 300_000);
});
