// Preloaded (NODE_OPTIONS=--require) into every arm64 node that deploy/arm64-check.sh starts under qemu-user.
// Without binfmt_misc the kernel cannot run an aarch64 program, so a child process that is one (process.execPath
// itself, esbuild's binary in its install check and under tsx) is started as `qemu-aarch64-static PROGRAM ARGS`.
// qemu finds the sysroot in QEMU_LD_PREFIX. Programs for this machine (sh, make, the cross compiler) are left alone.
'use strict'
const childProcess = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { syncBuiltinESMExports } = require('node:module')

const QEMU = process.env.ARM64_CHECK_QEMU
if (!QEMU) throw new Error('qemu-hook.cjs: ARM64_CHECK_QEMU (the qemu-aarch64-static path) is not set')

const EM_AARCH64 = 183

/** True when the file is an aarch64 ELF executable (its header, not its name). */
function isAarch64Elf(file) {
  let fd
  try {
    fd = fs.openSync(file, 'r')
    const head = Buffer.alloc(20)
    if (fs.readSync(fd, head, 0, 20, 0) < 20) return false
    return head.readUInt32BE(0) === 0x7f454c46 && head.readUInt16LE(18) === EM_AARCH64
  } catch {
    return false
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

/** The file execvp would run for `file`, as the child's PATH finds it. */
function resolveProgram(file, env) {
  if (typeof file !== 'string' || file === '') return null
  if (file.includes('/')) return file
  for (const dir of ((env && env.PATH) || process.env.PATH || '').split(':')) {
    const candidate = path.join(dir || '.', file)
    try {
      fs.accessSync(candidate, fs.constants.X_OK)
      if (fs.statSync(candidate).isFile()) return candidate
    } catch {
      // not in this directory
    }
  }
  return null
}

/** [file, args] to run instead, or null to run the program as asked. */
function throughQemu(file, args, env) {
  const program = resolveProgram(file, env)
  if (program === null || !isAarch64Elf(program)) return null
  return [QEMU, [program, ...(args || [])]]
}

// Asynchronous spawn, execFile, exec and fork all end in ChildProcess.prototype.spawn, whose options carry the
// program (file) and its argv (args, argv[0] first).
const { ChildProcess } = childProcess
const spawnChild = ChildProcess.prototype.spawn
ChildProcess.prototype.spawn = function (options) {
  const env = options.envPairs ? Object.fromEntries(options.envPairs.map((p) => p.split(/=(.*)/s))) : undefined
  const swap = throughQemu(options.file, options.args.slice(1), env)
  if (swap) options = { ...options, file: swap[0], args: [swap[0], ...swap[1]] }
  return spawnChild.call(this, options)
}

// The synchronous ones do not: spawnSync and execFileSync are replaced at their entry (execSync goes through sh).
for (const name of ['spawnSync', 'execFileSync']) {
  const original = childProcess[name]
  childProcess[name] = function (file, args, options) {
    if (!Array.isArray(args)) {
      options = args
      args = []
    }
    const swap = throughQemu(file, args, options && options.env)
    return swap ? original.call(this, swap[0], swap[1], options) : original.call(this, file, args, options)
  }
}
syncBuiltinESMExports()
