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
