// @ts-check
// One step of a compile (latex or dvisvgm) as a child under rlimits, without network, in its own process group,
// with the CPU time of what it ran measured and the whole group killed when the deadline passes.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * @typedef {object} StepLimits
 * @property {number} asBytes     RLIMIT_AS (address space) of every process of the step
 * @property {number} cpuSeconds  RLIMIT_CPU: SIGXCPU at this many seconds, SIGKILL one second later
 * @property {number} fsizeBytes  RLIMIT_FSIZE: no file written by the step grows past this (SIGXFSZ)
 */

/**
 * @typedef {object} StepResult
 * @property {number | null} status  the tool's exit status, or null when it died by a signal or was killed by us
 * @property {number | null} signal  the signal number that ended the tool (as the shell saw it), else null
 * @property {boolean} timedOut      the deadline passed and the process group was killed
 * @property {boolean} aborted       the caller aborted (client gone, service closing) and the group was killed
 * @property {number} cpuMs          user+system CPU of the tool and its children
 * @property {string} output         the tail of what the tool printed on stderr
 */

const OUTPUT_TAIL_BYTES = 32 * 1024;

/*
 * Why a shell in between: Node cannot read the rusage of its children (process.cpuUsage/resourceUsage cover
 * this process only). bash can: after the tool exits and is reaped, the builtin `times` prints the
 * RUSAGE_CHILDREN user and system time of everything the shell waited for, to the millisecond. The tool's
 * stdout is discarded (latex's terminal copy of its log, which TeX code can write to), so our stdout carries only
 * that report and the exit status; its stderr is kept for the cause of a failure. bash is exec'd by prlimit and
 * unshare, so the pid we spawn is the group leader that a timeout kills.
 */
const SHELL_SCRIPT = '"$@" </dev/null >/dev/null; s=$?; times; echo "exit $s"';

/** @type {number | undefined} */
let clockTicks;
function ticksPerSecond() {
  if (clockTicks === undefined) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    const n = Number.parseInt(r.stdout ?? '', 10);
    clockTicks = Number.isFinite(n) && n > 0 ? n : 100;
  }
  return clockTicks;
}

/**
 * @typedef {object} NetworkIsolation
 * @property {string[]} prefix  argv put before the step (empty when nothing isolates)
 * @property {string} describe  what /healthz and the README call it
 */

/** @type {NetworkIsolation | undefined} */
let isolation;

/**
 * How this machine can take the network away from a step: `unshare -n` (a new, empty network namespace; needs
 * CAP_SYS_ADMIN, e.g. root), else `unshare -r -n` (the same inside an unprivileged user namespace, where the
 * kernel allows those), else nothing. Probed once, by running `true` that way.
 * @returns {NetworkIsolation}
 */
export function networkIsolation() {
  if (isolation) return isolation;
  for (const prefix of [
    ['unshare', '-n', '--'],
    ['unshare', '-r', '-n', '--'],
  ]) {
    const r = spawnSync(prefix[0] ?? 'unshare', [...prefix.slice(1), 'true'], { stdio: 'ignore', timeout: 5000 });
    if (r.error === undefined && r.status === 0) {
      isolation = Object.freeze({ prefix, describe: `isolated (${prefix.slice(0, -1).join(' ')})` });
      return isolation;
    }
  }
  isolation = Object.freeze({ prefix: [], describe: 'not isolated (unshare not permitted here)' });
  return isolation;
}

/**
 * The live members of a process group, from /proc: pid -> CPU ticks (user+system, its own and its reaped
 * children's). Zombies are left out: they are dead and hold nothing, only waiting for their reaper (in a
 * container, PID 1 may take its time).
 * @param {number} pgid
 * @returns {Map<number, number>}
 */
function groupMembers(pgid) {
  /** @type {Map<number, number>} */
  const members = new Map();
  /** @type {string[]} */
  let pids = [];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return members;
  }
  for (const pid of pids) {
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // The fields after the command name (which may hold spaces and parentheses), from field 3 (state) on.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(f[2]) !== pgid || f[0] === 'Z') continue; // field 5: pgrp
    members.set(Number(pid), Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])); // utime stime cutime cstime
  }
  return members;
}

/**
 * CPU of a process group's live members: the measure when the group is killed before the shell can report.
 * @param {number} pgid
 * @returns {number} milliseconds
 */
function groupCpuMs(pgid) {
  let ticks = 0;
  for (const t of groupMembers(pgid).values()) ticks += t;
  return Math.round((ticks * 1000) / ticksPerSecond());
}

/** @param {string} s "0m1.234s" @returns {number} */
function timesToMs(s) {
  const m = /^(\d+)m(\d+)[.,](\d{1,3})s$/.exec(s);
  if (!m) return 0;
  return Number(m[1]) * 60_000 + Number(m[2]) * 1000 + Number((m[3] ?? '0').padEnd(3, '0'));
}

/**
 * Parses what SHELL_SCRIPT printed: two `times` lines (the shell's, then its children's) and `exit N`.
 * @param {string} report
 * @returns {{ status: number | null; signal: number | null; cpuMs: number } | null}
 */
function parseReport(report) {
  const lines = report.trim().split('\n');
  const exit = /^exit (\d+)$/.exec(lines.at(-1) ?? '');
  const children = (lines.at(-2) ?? '').trim().split(/\s+/);
  if (!exit || children.length !== 2) return null;
  const code = Number(exit[1]);
  const cpuMs = timesToMs(children[0] ?? '') + timesToMs(children[1] ?? '');
  // The shell reports death by signal N as 128+N.
  return code > 128 ? { status: null, signal: code - 128, cpuMs } : { status: code, signal: null, cpuMs };
}

/**
 * Kills a process group and waits (briefly) until no member is left, so that the caller can remove the job
 * directory knowing nothing writes into it any more.
 * @param {number} pgid
 */
async function killGroup(pgid) {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    return; // already gone
  }
  for (let i = 0; i < 200 && groupMembers(pgid).size > 0; i++) await new Promise((r) => setTimeout(r, 10));
}

/**
 * Runs argv in cwd with env and limits until it ends, the deadline (epoch ms) passes, or signal aborts.
 * @param {object} o
 * @param {string[]} o.argv
 * @param {string} o.cwd
 * @param {Record<string, string>} o.env
 * @param {StepLimits} o.limits
 * @param {number} o.deadline
 * @param {AbortSignal} [o.signal]
 * @param {(pgid: number) => void} [o.onSpawn]  told the process group id (tests look for it)
 * @returns {Promise<StepResult>}
 */
export function runStep(o) {
  const { limits } = o;
  const cpu = Math.max(1, Math.ceil(limits.cpuSeconds));
  const argv = [
    `--as=${limits.asBytes}`,
    `--cpu=${cpu}:${cpu + 1}`,
    `--fsize=${limits.fsizeBytes}`,
    '--core=0',
    '--',
    ...networkIsolation().prefix,
    'bash',
    '-c',
    SHELL_SCRIPT,
    'step',
    ...o.argv,
  ];
  return new Promise((resolve) => {
    // detached: the child calls setsid(), so it leads a new process group whose id is its pid.
    const child = spawn('prlimit', argv, { cwd: o.cwd, env: o.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let report = '';
    /** @type {Buffer[]} */
    let tail = [];
    let tailBytes = 0;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (/** @type {string} */ d) => {
      if (report.length < 4096) report += d;
    });
    child.stderr.on('data', (/** @type {Buffer} */ d) => {
      tail.push(d);
      tailBytes += d.length;
      if (tailBytes > 2 * OUTPUT_TAIL_BYTES) {
        const all = Buffer.concat(tail);
        tail = [all.subarray(all.length - OUTPUT_TAIL_BYTES)];
        tailBytes = OUTPUT_TAIL_BYTES;
      }
    });
    const pgid = child.pid ?? 0;
    if (pgid > 0) o.onSpawn?.(pgid);

    /** @type {'timeout' | 'abort' | null} */
    let killedFor = null;
    let killedCpuMs = 0;
    /** @param {'timeout' | 'abort'} why */
    const stop = (why) => {
      if (killedFor !== null || pgid <= 0) return;
      killedFor = why;
      killedCpuMs = groupCpuMs(pgid); // before the kill: afterwards there is nothing left to read
      void killGroup(pgid);
    };
    const timer = setTimeout(() => stop('timeout'), Math.max(0, o.deadline - Date.now()));
    const onAbort = () => stop('abort');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    if (o.signal?.aborted) onAbort();

    let settled = false;
    /** @param {StepResult} r */
    const finish = async (r) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      // A step that ended by itself leaves nothing behind (latex forks nothing with shell escape off, dvisvgm waits
      // for what it runs); its group is not signalled, since its id may already belong to someone else.
      resolve(r);
    };
    child.on('error', (err) => {
      void finish({ status: null, signal: null, timedOut: false, aborted: false, cpuMs: 0, output: String(err) });
    });
    child.on('close', () => {
      const output = Buffer.concat(tail).toString('utf8').slice(-OUTPUT_TAIL_BYTES);
      if (killedFor !== null) {
        void finish({
          status: null,
          signal: 9,
          timedOut: killedFor === 'timeout',
          aborted: killedFor === 'abort',
          cpuMs: killedCpuMs,
          output,
        });
        return;
      }
      const parsed = parseReport(report);
      void finish({
        status: parsed?.status ?? null,
        signal: parsed?.signal ?? null,
        timedOut: false,
        aborted: false,
        cpuMs: parsed?.cpuMs ?? 0,
        output: parsed ? output : `${output}\n(no report from the step's shell)`,
      });
    });
  });
}
