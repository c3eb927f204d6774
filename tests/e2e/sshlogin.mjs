// sshlogin.mjs PORT METHOD USER  (token in the environment variable SSH_TOKEN)
// One SSH login to 127.0.0.1:PORT with the npm ssh2 client, which, unlike the OpenSSH client
// (1023 characters), sends passwords and keyboard-interactive answers of any length. METHOD is
// "password" or "keyboard-interactive"; only that method is tried. On success it runs `true` and
// prints "ok". Exit status: 0 logged in, 1 authentication refused, 2 any other error.
// Test-only: the host key is not verified.
import { Client } from 'ssh2';

const [port, method, user] = process.argv.slice(2);
const token = process.env.SSH_TOKEN;
if (!port || !['password', 'keyboard-interactive'].includes(method) || !user || token === undefined) {
  console.error('usage: SSH_TOKEN=... node sshlogin.mjs PORT password|keyboard-interactive USER');
  process.exit(2);
}
const c = new Client();
const timer = setTimeout(() => { console.log('fail: timeout'); process.exit(2); }, 20000);
c.on('ready', () => {
  c.exec('true', (err, stream) => {
    if (err) { console.log(`fail: exec: ${err.message}`); process.exitCode = 2; c.end(); return; }
    stream.on('close', (code) => {
      console.log(code === 0 ? 'ok' : `fail: remote command exited ${code}`);
      process.exitCode = code === 0 ? 0 : 2;
      clearTimeout(timer);
      c.end();
    });
    stream.resume();
    stream.stderr.resume();
  });
}).on('error', (e) => {
  clearTimeout(timer);
  const refused = e.level === 'client-authentication';
  console.log(`fail: ${e.message}`);
  process.exitCode = refused ? 1 : 2;
}).on('keyboard-interactive', (_name, _instructions, _lang, prompts, finish) => {
  finish(prompts.map(() => token));
});
c.connect({
  host: '127.0.0.1', port: Number(port), username: user,
  password: method === 'password' ? token : undefined,
  tryKeyboard: method === 'keyboard-interactive',
  authHandler: [method],
  readyTimeout: 15000,
});
