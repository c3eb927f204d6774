// A real OAuth 2.0 server for the tests: oidc-provider (npm, pinned in package.json) over HTTPS on
// 127.0.0.1, a free port. Environment: TLS_KEY, TLS_CERT (PEM files), PORT_FILE (written, with
// {"port": N}, once the server answers). Test-only: in-memory storage, development signing keys.
//
// Clients (client-credentials grant only):
//   rs-special  secret "p@ss:w/rd+%x y", client_secret_basic: the module introspects with it
//               (the secret needs RFC 6749 2.3.1 form-encoding in the Basic header)
//   pam-post    secret "pam-post-secret", client_secret_post: the module introspects with it (auth=post)
//   cli         secret "cli-secret": mints the "user" tokens, scopes ssh:login and sudo
//   web-app     secret "web-secret": another client, whose tokens the module must not accept
// POST /token with username=NAME adds sub, username and token_use claims (seen by introspection),
// as a Hydra consent app would; ttl=N (seconds) shortens the token's lifetime.
// Endpoints: /token, /token/introspection (RFC 7662), /token/revocation (RFC 7009).
import https from 'node:https';
import fs from 'node:fs';
import Provider from 'oidc-provider';

const server = https.createServer({
  key: fs.readFileSync(process.env.TLS_KEY), cert: fs.readFileSync(process.env.TLS_CERT),
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `https://127.0.0.1:${port}`;
  const cc = (id, secret, method, extra = {}) => ({
    client_id: id, client_secret: secret, grant_types: ['client_credentials'], redirect_uris: [],
    response_types: [], token_endpoint_auth_method: method, ...extra,
  });
  const provider = new Provider(issuer, {
    clients: [
      cc('rs-special', 'p@ss:w/rd+%x y', 'client_secret_basic'),
      cc('pam-post', 'pam-post-secret', 'client_secret_post'),
      cc('cli', 'cli-secret', 'client_secret_post', { scope: 'ssh:login sudo' }),
      cc('web-app', 'web-secret', 'client_secret_post', { scope: 'ssh:login' }),
    ],
    scopes: ['openid', 'ssh:login', 'sudo'],
    extraTokenClaims(ctx, token) {
      const u = ctx.oidc.body && ctx.oidc.body.username;
      return token.kind === 'ClientCredentials' && u ? { sub: u, username: u, token_use: 'access_token' } : undefined;
    },
    features: {
      devInteractions: { enabled: false }, clientCredentials: { enabled: true },
      introspection: { enabled: true }, revocation: { enabled: true },
    },
    ttl: {
      ClientCredentials(ctx) {
        const ttl = Number(ctx.oidc.body && ctx.oidc.body.ttl);
        return ttl > 0 ? ttl : 600;
      },
    },
  });
  server.on('request', provider.callback());
  const tmp = `${process.env.PORT_FILE}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ port }));
  fs.renameSync(tmp, process.env.PORT_FILE);
  console.log(`oidc-provider listening on ${issuer}`);
});
