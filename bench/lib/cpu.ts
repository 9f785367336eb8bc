// CPU time used during a phase, by process: where a CPU-bound run spends the machine (the bench, the DB server).
import fs from 'node:fs';

/** The local MariaDB/MySQL server's pid, if it runs on this machine and /proc can be read. */
export function dbServerPid(): number | null {
  try {
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const comm = fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
        if (comm === 'mariadbd' || comm === 'mysqld') return Number(entry);
      } catch {
        // gone meanwhile
      }
    }
  } catch {
    // no /proc
  }
  return null;
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat (clock ticks of 1/100 s). */
export function processCpuSec(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** Starts counting: call the result to get CPU seconds of this process (and of the local MariaDB/MySQL server) since then. */
export function cpuMeter(withDbServer: boolean): () => { mainSec: number; dbServerSec: number | null } {
  const main = process.cpuUsage();
  const pid = withDbServer ? dbServerPid() : null;
  const db0 = pid ? processCpuSec(pid) : null;
  return () => {
    const m = process.cpuUsage(main);
    const db1 = pid ? processCpuSec(pid) : null;
    return { mainSec: Math.round((m.user + m.system) / 1e4) / 100, dbServerSec: db0 !== null && db1 !== null ? Math.round((db1 - db0) * 100) / 100 : null };
  };
}
