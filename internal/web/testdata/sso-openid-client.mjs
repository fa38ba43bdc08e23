// A relying party on the npm package openid-client, driven by
// TestSingleSignOnOpenIDClient: the whole login against Schulhof's
// provider, as a service in Node.js does it. The browser is played by
// fetch with the user's Schulhof session cookie. It prints what it saw
// as one JSON object; the Go test checks it.
import * as client from 'openid-client'

const env = process.env
const issuer = new URL(env.ISSUER)
const config = await client.discovery(issuer, env.CLIENT_ID, env.CLIENT_SECRET, client.ClientSecretBasic(env.CLIENT_SECRET),
  { execute: [client.allowInsecureRequests] })
const out = {}

// the browser: follows the provider's redirects, stops at the client's
async function browse(url) {
  for (let i = 0; i < 10; i++) {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: env.COOKIE } })
    const loc = res.headers.get('location')
    if (!loc) return { status: res.status, url }
    url = new URL(loc, url).href
    if (!url.startsWith(issuer.origin)) return { status: res.status, url }
  }
  throw new Error('too many redirects')
}

const verifier = client.randomPKCECodeVerifier()
const state = client.randomState()
const nonce = client.randomNonce()
const auth = client.buildAuthorizationUrl(config, {
  redirect_uri: env.REDIRECT, scope: 'openid profile school groups offline_access', state, nonce,
  code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
})
const back = await browse(auth.href)
const tokens = await client.authorizationCodeGrant(config, new URL(back.url),
  { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true })
const claims = tokens.claims()
out.sub = claims.sub
out.name = claims.name
out.class = claims.class
out.school = claims.school && claims.school.slug
const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub)
out.userinfo = { name: info.name, role: info.role, groups: info.groups }

const fresh = await client.refreshTokenGrant(config, tokens.refresh_token)
out.refreshed = fresh.refresh_token !== tokens.refresh_token && !!fresh.access_token
out.refreshedSub = fresh.claims() && fresh.claims().sub
out.active = (await client.tokenIntrospection(config, fresh.access_token)).active

// the old refresh token again: refused, and the grant revoked with it
try {
  await client.refreshTokenGrant(config, tokens.refresh_token)
  out.reuse = 'accepted'
} catch (e) {
  out.reuse = e.error || e.code || String(e)
}
out.activeAfterReuse = (await client.tokenIntrospection(config, fresh.access_token)).active

// a new login, its refresh token revoked by the client
const again = await browse(client.buildAuthorizationUrl(config, {
  redirect_uri: env.REDIRECT, scope: 'openid offline_access', state, nonce,
  code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
}).href)
const second = await client.authorizationCodeGrant(config, new URL(again.url), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce })
await client.tokenRevocation(config, second.refresh_token)
try {
  await client.refreshTokenGrant(config, second.refresh_token)
  out.revoked = 'accepted'
} catch (e) {
  out.revoked = e.error || e.code || String(e)
}

// logout: back at the client's address, and out of Schulhof too
const end = client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token, post_logout_redirect_uri: env.LOGOUT_REDIRECT, state: 'bye' })
out.logout = (await browse(end.href)).url
out.meAfterLogout = (await fetch(new URL('/api/v1/me', issuer), { headers: { cookie: env.COOKIE } })).status
console.log(JSON.stringify(out))
