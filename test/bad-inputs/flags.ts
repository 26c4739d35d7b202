/**
 * Bad command lines: each case is the arguments after `tinyfoa` (with `$MODEL` for the base
 * model, `$DATA` for a good IDX folder, `$OUT` for an output path that must stay absent and
 * `$C` for an existing C file), the exit code and the message. The runner is
 * test/bad-inputs.test.ts.
 */
export interface FlagCase {
  name: string;
  args: string[];
  /** Expected exit code (default 2). */
  code?: number;
  message: RegExp;
}

const sim = ['simulate', '$MODEL', '-d', 'idx:$DATA'];
const gen = ['generate', '$MODEL', '-o', '$OUT'];
const build = ['build', '$MODEL', '-t', 'host', '-o', '$OUT'];
const run = ['run', '$MODEL', '-t', 'host', '-d', 'idx:$DATA', '-o', '$OUT'];
const verify = ['verify', '$MODEL', '-d', 'idx:$DATA', '-o', '$OUT'];

export const FLAG_CASES: FlagCase[] = [
  { name: 'no-command', args: [], message: /Usage: tinyfoa \[options\] \[command\]/ },
  { name: 'unknown-command', args: ['trian', '$MODEL'], message: /unknown command 'trian'/ },
  { name: 'unknown-option', args: [...gen, '--bogus'], message: /unknown option '--bogus'/ },
  { name: 'missing-model', args: ['generate'], message: /missing required argument 'model'/ },
  { name: 'missing-data', args: ['simulate', '$MODEL'], message: /required option '-d, --data <set>' not specified/ },
  { name: 'too-many-arguments', args: [...sim, 'extra'], message: /too many arguments/ },
  { name: 'limit-word', args: [...sim, '--limit', 'ten'], message: /option '--limit <n>' argument 'ten' is invalid\. expected a whole number, got 'ten'/ },
  { name: 'limit-zero', args: [...sim, '--limit', '0'], message: /expected a whole number ≥ 1, got '0'/ },
  { name: 'limit-negative', args: [...sim, '--limit', '-1'], message: /argument '-1' is invalid/ },
  { name: 'limit-fraction', args: [...sim, '--limit', '1.5'], message: /expected a whole number, got '1.5'/ },
  { name: 'limit-exponent', args: [...sim, '--limit', '1e3'], message: /expected a whole number, got '1e3'/ },
  { name: 'limit-hex', args: [...sim, '--limit', '0x10'], message: /expected a whole number, got '0x10'/ },
  { name: 'limit-huge', args: [...sim, '--limit', '99999999999999999999'], message: /expected a whole number ≥ 1, got '99999999999999999999'/ },
  { name: 'limit-empty', args: [...sim, '--limit', ''], message: /expected a whole number, got ''/ },
  { name: 'limit-test-zero', args: [...sim, '--limit-test', '0'], message: /option '--limit-test <n>' argument '0' is invalid/ },
  { name: 'epochs-flag-zero', args: [...sim, '--epochs-per-layer', '0'], message: /option '--epochs-per-layer <n>' argument '0' is invalid/ },
  { name: 'target-unknown', args: [...gen, '-t', 'pdp11'], message: /unknown target 'pdp11': known targets are host, host-link, cortex-m3, cortex-m4, cortex-m7, cortex-m33, stm32f405, microbit/ },
  { name: 'target-empty', args: [...gen, '-t', ''], message: /unknown target '': known targets are/ },
  { name: 'target-case', args: [...build, '-t', 'Cortex-M4'], message: /unknown target 'Cortex-M4'/ },
  { name: 'targets-empty', args: [...verify, '--targets', ','], message: /--targets needs at least one target/ },
  { name: 'targets-one-unknown', args: [...verify, '--targets', 'host,m4'], message: /unknown target 'm4'/ },
  { name: 'steps-zero', args: [...verify, '--steps', '0'], message: /option '--steps <n>' argument '0' is invalid/ },
  { name: 'every-word', args: [...verify, '--every', 'often'], message: /option '--every <k>' argument 'often' is invalid/ },
  { name: 'fit-unknown', args: [...build, '--fit', 'board'], message: /--fit must be 'device' or 'emulator', got 'board'/ },
  { name: 'fit-unknown-generate', args: [...gen, '--fit', 'yes'], message: /--fit must be 'device' or 'emulator', got 'yes'/ },
  { name: 'store-unknown', args: [...build, '--store', 'flash'], message: /--store must be one of ram, file, nor, user, got 'flash'/ },
  { name: 'store-unknown-generate', args: [...gen, '--store', 'RAM'], message: /--store must be one of ram, file, nor, user, got 'RAM'/ },
  { name: 'store-user-without-source', args: [...build, '--store', 'user'], message: /--store user needs --store-source <file\.c>/ },
  { name: 'store-user-without-source-run', args: [...run, '--store', 'user'], message: /--store user needs --store-source <file\.c>/ },
  { name: 'store-source-missing-file', args: [...build, '--store', 'user', '--store-source', '$OUT.c'], message: /--store-source .*: no such file/ },
  { name: 'store-source-not-c', args: [...build, '--store', 'user', '--store-source', '$C.h'], message: /--store-source .*: expected a C source file \(\.c\)/ },
  { name: 'store-source-without-user', args: [...build, '--store-source', '$C'], message: /--store-source is the definition of a user-supplied store or NOR flash driver: it needs --store user or --store nor \(the store is 'ram'\)/ },
  { name: 'nor-flash-unknown', args: [...build, '--store', 'nor', '--nor-flash', 'eeprom'], message: /--nor-flash must be spi-nor, stm32f4 or <sectorBytes>x<pageBytes>.*got 'eeprom'/ },
  { name: 'nor-flash-page-not-dividing', args: [...gen, '--store', 'nor', '--nor-flash', '1000x64'], message: /--nor-flash must be .*the page divides the sector.*got '1000x64'/ },
  { name: 'nor-flash-without-nor-store', args: [...build, '--nor-flash', 'spi-nor'], message: /--nor-flash is the geometry of the NOR flash store: it needs --store nor \(the store is 'ram'\)/ },
  { name: 'nor-flash-region-too-small', args: [...gen, '--store', 'nor', '--nor-flash', 'spi-nor:3'], message: /the NOR flash store needs at least \d+ sectors of 4096 bytes .* and the region has 3: give more sectors/ },
  { name: 'memory-sample-rate-zero', args: ['memory', '$MODEL', '--sample-rate', '0'], message: /expected a positive number, got '0'/ },
  { name: 'timeout-zero', args: [...run, '--timeout', '0'], message: /option '--timeout <minutes>' argument '0' is invalid/ },
  { name: 'stop-after-zero', args: [...run, '--stop-after', '0'], message: /option '--stop-after <n>' argument '0' is invalid/ },
  { name: 'stop-after-without-file-store', args: [...run, '--stop-after', '5'], message: /--stop-after needs --store file/ },
  { name: 'resume-without-file-store', args: [...run, '--resume'], message: /--resume needs --store file/ },
  { name: 'compare-unknown', args: ['memory', '$MODEL', '--compare', 'bp,adam'], message: /--compare: unknown algorithm 'adam'; known: pepita, pepita-bw-ba, ff, ff-bw-ba, bp, bp-bw-ba/ },
  { name: 'memory-target-unknown', args: ['memory', '$MODEL', '-t', 'esp32'], message: /unknown target 'esp32'/ },
  { name: 'memory-fit-unknown', args: ['memory', '$MODEL', '-t', 'host', '--fit', 'x'], message: /--fit must be 'device' or 'emulator'/ },
  { name: 'model-not-found', args: ['generate', '$OUT.ts', '-o', '$OUT'], message: /model file not found/ },
  { name: 'model-is-a-folder', args: ['generate', '$DATA', '-o', '$OUT'], message: /is not a file \(a directory\?\)/ },
  { name: 'demo-model-not-found', args: ['demo', '--model', '$OUT.ts', '-o', '$OUT'], message: /model file not found/ },
  { name: 'demo-limit-zero', args: ['demo', '--limit', '0', '-o', '$OUT'], message: /option '--limit <n>' argument '0' is invalid/ },
  { name: 'export-without-from', args: ['export', '$MODEL', '-o', '$OUT'], message: /required option '--from <path>' not specified/ },
  { name: 'export-from-missing', args: ['export', '$MODEL', '--from', '$OUT.store', '-o', '$OUT'], message: /--from .*: no such file or folder/ },
  { name: 'export-from-not-a-store', args: ['export', '$MODEL', '--from', '$C', '-o', '$OUT'], message: /is not a tinyfoa file store \(no TFS1 header\)/ },
  { name: 'export-from-not-a-state-folder', args: ['export', '$MODEL', '--from', '$DATA', '-o', '$OUT'], message: /the folder is not a run's state folder/ },
  { name: 'export-layer-word', args: ['export', '$MODEL', '--from', '$C', '--layer', 'last', '-o', '$OUT'], message: /option '--layer <l>' argument 'last' is invalid/ },
  { name: 'bench-without-data', args: ['bench', 'table1', '-o', '$OUT'], message: /required option '-d, --data <set>' not specified/ },
  { name: 'bench-data-unknown', args: ['bench', 'table1', '-d', 'svhn', '-o', '$OUT'], message: /unknown data spec "svhn"/ },
  { name: 'bench-train-samples-word', args: ['bench', 'table1', '-d', 'mnist', '--train-samples', 'most', '-o', '$OUT'], message: /--train-samples must be a whole number ≥ 1 or 'all', got 'most'/ },
  { name: 'bench-engine-unknown', args: ['bench', 'table1', '-d', 'mnist', '--engine', 'gpu', '-o', '$OUT'], message: /--engine must be 'simulator' or 'native', got 'gpu'/ },
  { name: 'bench-unknown-subcommand', args: ['bench', 'table2'], message: /unknown command 'table2'/ },
];
