// sshdevice.mjs PORT USER: a person who logs in with the device flow, through keyboard-interactive,
// with the npm ssh2 client, to 127.0.0.1:PORT (tests/e2e/sshd-device.sh). At the module's token
// prompt ("Access token ...: ") it types DEVICE_FIRST (default: nothing, which chooses the device flow).
// At the approval prompt (ending "Press Enter once approved: ") it takes the user code from the
// text, as a person reads it, runs the shell command DEVICE_ON_CODE with the code as "$1" (what
// the person does on the other device: approve, deny...), then types DEVICE_SECOND (default:
// nothing, i.e. Enter). Every keyboard-interactive round sshd sent (name, instructions, prompts)
// is written as JSON to DEVICE_ROUNDS, the text of the approval prompt alone to
// DEVICE_ROUNDS.prompt. With DEVICE_KEY (an OpenSSH private key file) it first offers that key
// (publickey), then keyboard-interactive; DEVICE_METHODS (comma list) overrides the methods.
// Logged in, it runs `id -un` and prints "out: <its output>". Exit status: 0 logged in and the
// command ran, 1 authentication refused, 2 any other error. Test-only: the host key is not verified.
import { Client } from 'ssh2';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

const [port, user] = process.argv.slice(2);
const env = process.env;
if (!port || !user || !env.DEVICE_ROUNDS) {
  console.error('usage: DEVICE_ROUNDS=FILE [DEVICE_ON_CODE=CMD] [DEVICE_KEY=FILE] node sshdevice.mjs PORT USER');
  process.exit(2);
}
const key = env.DEVICE_KEY ? fs.readFileSync(env.DEVICE_KEY) : undefined;
const methods = env.DEVICE_METHODS ? env.DEVICE_METHODS.split(',')
  : key ? ['publickey', 'keyboard-interactive'] : ['keyboard-interactive'];
const rounds = [];
const save = () => fs.writeFileSync(env.DEVICE_ROUNDS, `${JSON.stringify(rounds, null, 1)}\n`);
save();
const note = (m) => console.log(m);

const APPROVAL_END = 'Press Enter once approved: ';
const CODE_RE = /the code (\S+?)(?:, then approve\.| exactly as shown)/;
function answer(prompt) {
  if (prompt.endsWith(APPROVAL_END)) {
    fs.writeFileSync(`${env.DEVICE_ROUNDS}.prompt`, prompt);
    const m = CODE_RE.exec(prompt);
    note(`user code: ${m ? m[1] : '(none found)'}`);
    if (m && env.DEVICE_ON_CODE) {
      try {
        const out = execFileSync('sh', ['-c', env.DEVICE_ON_CODE, 'sh', m[1]], { stdio: ['ignore', 'pipe', 'pipe'] });
        note(`on-code: ${out.toString().trim()}`);
      } catch (e) {
        note(`on-code failed: ${e.message}`);
      }
    }
    return env.DEVICE_SECOND || '';
  }
  if (/^Access token\b.*: $/.test(prompt)) return env.DEVICE_FIRST || '';
  return '';
}

const c = new Client();
const timer = setTimeout(() => { note('fail: timeout'); save(); process.exit(2); }, 60000);
c.on('ready', () => {
  c.exec('id -un', (err, stream) => {
    if (err) { note(`fail: exec: ${err.message}`); process.exitCode = 2; c.end(); return; }
    let out = '';
    stream.on('data', (d) => { out += d; });
    stream.stderr.resume();
    stream.on('close', (code) => {
      note(`out: ${out.trim()}`);
      note(code === 0 ? 'ok' : `fail: remote command exited ${code}`);
      process.exitCode = code === 0 ? 0 : 2;
      clearTimeout(timer);
      c.end();
    });
  });
}).on('error', (e) => {
  clearTimeout(timer);
  note(`fail: ${e.message}`);
  process.exitCode = e.level === 'client-authentication' ? 1 : 2;
}).on('keyboard-interactive', (name, instructions, _lang, prompts, finish) => {
  rounds.push({ name, instructions, prompts: prompts.map((p) => ({ prompt: p.prompt, echo: !!p.echo })) });
  save();
  finish(prompts.map((p) => answer(p.prompt)));
});
c.connect({
  host: '127.0.0.1', port: Number(port), username: user, privateKey: key,
  tryKeyboard: methods.includes('keyboard-interactive'),
  authHandler: methods,
  readyTimeout: 60000,
});
// ssh2 answers a request without prompts by itself and shows nobody its instructions, which is
// where sshd puts PAM's messages after a failure ("The approval was denied."): such rounds are
// recorded here, through the internals of the pinned ssh2 (1.17). Should they change, these
// rounds go missing and the tests that expect a message fail.
const handlers = c._protocol && c._protocol._handlers;
if (handlers && typeof handlers.USERAUTH_INFO_REQUEST === 'function') {
  const orig = handlers.USERAUTH_INFO_REQUEST;
  handlers.USERAUTH_INFO_REQUEST = (p, name, instructions, prompts) => {
    if (!Array.isArray(prompts) || prompts.length === 0) {
      rounds.push({ name, instructions, prompts: [] });
      save();
    }
    return orig(p, name, instructions, prompts);
  };
}
