// A real OAuth 2.0 server for the tests: oidc-provider (npm, pinned in package.json) over HTTPS on
// 127.0.0.1, a free port. Environment: TLS_KEY, TLS_CERT (PEM files), PORT_FILE (written, with
// {"port": N}, once the server answers), DEVICE_TTL (lifetime of a device code in seconds, default
// 600). Test-only: in-memory storage, development signing keys. Runs on Node 18 (Debian 12).
//
// Clients of the client-credentials grant:
//   rs-special  secret "p@ss:w/rd+%x y", client_secret_basic: the module introspects with it
//               (the secret needs RFC 6749 2.3.1 form-encoding in the Basic header)
//   pam-post    secret "pam-post-secret", client_secret_post: the module introspects with it (auth=post)
//   cli         secret "cli-secret": mints the "user" tokens, scopes ssh:login and sudo
//   web-app     secret "web-secret": another client, whose tokens the module must not accept
// POST /token with username=NAME adds sub, username and token_use claims (seen by introspection),
// as a Hydra consent app would; ttl=N (seconds) shortens the token's lifetime.
// Clients of the device authorization grant (RFC 8628), scopes openid, ssh:login and sudo:
//   pam-device       public (token_endpoint_auth_method none): sends client_id only
//   pam-device-post  secret "device-post-secret", client_secret_post
// POST /device/auth starts a flow; its answer has device_code, user_code (like "VJXN-CJST"),
// verification_uri (<issuer>/device), verification_uri_complete and expires_in, but no interval
// (RFC 8628 says: then poll every 5 s). Polling POST /token gives 400 authorization_pending, then
// 200 (access_token, token_type "Bearer", expires_in, scope, id_token if openid was granted); a
// second redemption 400 invalid_grant, and it also revokes the token already issued (replay
// protection: introspection then says inactive); a denial 400 access_denied, an expired code 400
// expired_token (approved or not). It never sends slow_down. The access token introspects with
// sub = the approving account, username = the same, token_use "access_token", client_id and the
// granted scope. oidc-provider takes client_secret_basic and client_secret_post interchangeably.
// Test-only routes instead of the browser (JSON or form body; the user code is normalised as
// oidc-provider does: upper case, non-word characters dropped, so "vjxn cjst" finds VJXN-CJST):
//   POST /test/device/approve  user_code, account (becomes sub), scope (optional, space-separated;
//                              default: the requested scopes the provider knows; must be among
//                              them, may be fewer or empty) -> 200 {"ok":true}
//   POST /test/device/deny     user_code -> 200 {"ok":true}; the next poll gives access_denied
// Both answer 404 {"error":"unknown user_code"}, 410 {"error":"expired user_code"} or 409
// {"error":"user_code already used"} (approved, denied or redeemed), as the HTML flow refuses
// those, and 400 {"error":...} for a missing parameter or a scope that was not requested.
// Endpoints: /token, /token/introspection (RFC 7662), /token/revocation (RFC 7009), /device/auth.
import https from 'node:https';
import fs from 'node:fs';
import Provider from 'oidc-provider';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const SCOPES = ['openid', 'ssh:login', 'sudo'];
const deviceTtl = Number(process.env.DEVICE_TTL) > 0 ? Number(process.env.DEVICE_TTL) : 600;

const server = https.createServer({
  key: fs.readFileSync(process.env.TLS_KEY), cert: fs.readFileSync(process.env.TLS_CERT),
});

// The body of a test route: JSON, or a form (application/x-www-form-urlencoded), at most 64 kB.
function readBody(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      data += chunk;
      if (data.length > 65536) reject(new Error('body too large'));
    });
    req.on('end', () => {
      try {
        if (/^application\/json\b/i.test(req.headers['content-type'] || '')) {
          const v = data ? JSON.parse(data) : {};
          resolve(v && typeof v === 'object' ? v : {});
        } else {
          resolve(Object.fromEntries(new URLSearchParams(data)));
        }
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
  });
}

function answer(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(text);
}

// What the device flow's consent would do (lib/actions/code_verification.js and an interaction
// that grants): find the code by its normalised user code, then approve or deny it.
async function deviceRoute(provider, action, body) {
  const str = (k) => (typeof body[k] === 'string' ? body[k] : '');
  const userCode = str('user_code').toUpperCase().replace(/\W/g, '');
  if (!userCode) return [400, { error: 'user_code missing' }];
  const code = await provider.DeviceCode.findByUserCode(userCode, { ignoreExpiration: true });
  if (!code) return [404, { error: 'unknown user_code' }];
  if (code.isExpired) return [410, { error: 'expired user_code' }];
  if (code.error || code.accountId || code.consumed) return [409, { error: 'user_code already used' }];
  if (action === 'deny') {
    Object.assign(code, { error: 'access_denied', errorDescription: 'End-User aborted interaction' });
    await code.save();
    return [200, { ok: true }];
  }
  const account = str('account');
  if (!account) return [400, { error: 'account missing' }];
  // A consent grants at most the requested scopes the provider knows (others are ignored).
  const requested = (code.params.scope || '').split(' ').filter((s) => SCOPES.includes(s));
  const granted = 'scope' in body ? [...new Set(str('scope').split(' ').filter(Boolean))] : requested;
  const extra = granted.filter((s) => !requested.includes(s));
  if (extra.length) return [400, { error: `scope not requested: ${extra.join(' ')}` }];
  const grant = new provider.Grant({ accountId: account, clientId: code.clientId });
  // The scopes here are all in the provider's "scopes" and no resource indicator is involved,
  // so the token endpoint takes them as OIDC scopes (grant.getOIDCScopeFiltered(code.scopes)).
  if (granted.length) grant.addOIDCScope(granted.join(' '));
  Object.assign(code, {
    accountId: account,
    grantId: await grant.save(),
    scope: granted.join(' '), // without it the token answer has no scope and no id_token
    authTime: Math.floor(Date.now() / 1000),
  });
  await code.save();
  return [200, { ok: true }];
}

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `https://127.0.0.1:${port}`;
  const cc = (id, secret, method, extra = {}) => ({
    client_id: id, client_secret: secret, grant_types: ['client_credentials'], redirect_uris: [],
    response_types: [], token_endpoint_auth_method: method, ...extra,
  });
  const device = (id, extra) => ({
    client_id: id, grant_types: [DEVICE_GRANT], redirect_uris: [], response_types: [],
    scope: 'openid ssh:login sudo', ...extra,
  });
  const provider = new Provider(issuer, {
    clients: [
      cc('rs-special', 'p@ss:w/rd+%x y', 'client_secret_basic'),
      cc('pam-post', 'pam-post-secret', 'client_secret_post'),
      cc('cli', 'cli-secret', 'client_secret_post', { scope: 'ssh:login sudo' }),
      cc('web-app', 'web-secret', 'client_secret_post', { scope: 'ssh:login' }),
      device('pam-device', { token_endpoint_auth_method: 'none' }),
      device('pam-device-post', {
        client_secret: 'device-post-secret', token_endpoint_auth_method: 'client_secret_post',
      }),
    ],
    scopes: SCOPES,
    // Any account exists: the approving account becomes the token's sub.
    async findAccount(ctx, sub) {
      return { accountId: sub, async claims() { return { sub }; } };
    },
    extraTokenClaims(ctx, token) {
      if (token.kind === 'AccessToken' && token.accountId) { // device flow: sub is the accountId
        return { username: token.accountId, token_use: 'access_token' };
      }
      const u = ctx && ctx.oidc && ctx.oidc.body && ctx.oidc.body.username;
      return token.kind === 'ClientCredentials' && u ? { sub: u, username: u, token_use: 'access_token' } : undefined;
    },
    features: {
      devInteractions: { enabled: false }, clientCredentials: { enabled: true },
      introspection: { enabled: true }, revocation: { enabled: true }, deviceFlow: { enabled: true },
    },
    ttl: {
      ClientCredentials(ctx) {
        const ttl = Number(ctx.oidc.body && ctx.oidc.body.ttl);
        return ttl > 0 ? ttl : 600;
      },
      DeviceCode: deviceTtl,
    },
  });
  const callback = provider.callback();
  server.on('request', (req, res) => {
    const path = req.url.split('?')[0];
    const m = /^\/test\/device\/(approve|deny)$/.exec(path);
    if (!m) {
      if (path.startsWith('/test/')) {
        answer(res, 404, { error: 'unknown test route' });
        return;
      }
      callback(req, res);
      return;
    }
    if (req.method !== 'POST') {
      answer(res, 405, { error: 'POST only' });
      return;
    }
    readBody(req)
      .then(
        (body) => deviceRoute(provider, m[1], body)
          .catch((err) => [500, { error: `server error: ${err.message}` }]),
        (err) => [400, { error: `bad body: ${err.message}` }],
      )
      .then(([status, body]) => answer(res, status, body));
  });
  const tmp = `${process.env.PORT_FILE}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ port }));
  fs.renameSync(tmp, process.env.PORT_FILE);
  console.log(`oidc-provider listening on ${issuer}`);
});
