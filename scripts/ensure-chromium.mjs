// Runs before `npm test`: the browser tests drive Debian's Chromium (never a downloaded one:
// playwright-core only drives it). Where it is missing and we are root on Debian, install it from apt;
// otherwise say exactly what to run. CHROMIUM_PATH points the tests at another build.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (existsSync(path)) process.exit(0);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot || !existsSync('/usr/bin/apt-get')) {
  console.error(`ensure-chromium: ${path} not found; install it (Debian: sudo apt-get install -y chromium) or set CHROMIUM_PATH`);
  process.exit(1);
}
console.log('ensure-chromium: installing Debian chromium for the browser tests…');
const run = (args) => execFileSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
run(['update']);
run(['install', '-y', '--no-install-recommends', 'chromium']);
