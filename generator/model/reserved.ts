/** C99/C11 keywords and common standard-library names a generated identifier must not take. */
export const C_RESERVED: ReadonlySet<string> = new Set([
  'auto', 'break', 'case', 'char', 'const', 'continue', 'default', 'do', 'double', 'else', 'enum',
  'extern', 'float', 'for', 'goto', 'if', 'inline', 'int', 'long', 'register', 'restrict', 'return',
  'short', 'signed', 'sizeof', 'static', 'struct', 'switch', 'typedef', 'union', 'unsigned', 'void',
  'volatile', 'while', '_Alignas', '_Alignof', '_Atomic', '_Bool', '_Complex', '_Generic',
  '_Imaginary', '_Noreturn', '_Static_assert', '_Thread_local', 'bool', 'true', 'false', 'NULL',
  'main', 'errno', 'assert', 'offsetof', 'alignas', 'alignof', 'static_assert', 'noreturn',
  'abs', 'exit', 'malloc', 'free', 'memcpy', 'memset', 'printf', 'stdin', 'stdout', 'stderr',
]);

/**
 * Whether a model name would collide with the runtime's own identifiers. Every runtime
 * identifier starts with `tf_` or `TF_` (runtime-c/, targets/), and every generated one
 * with `<name>_`, so a name `tf` (any case) or one starting with `tf_` could take a runtime
 * symbol (`tf` + `_model` is the runtime's type `tf_model`).
 */
export function isRuntimeName(name: string): boolean {
  return /^tf(_|$)/i.test(name);
}
