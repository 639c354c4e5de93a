import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { requestToken } from './server.ts';
import { parseNamespaceHints, serviceAccountNamespace } from './session.ts';

const request = (headers: Record<string, string>): IncomingMessage =>
  ({ headers }) as unknown as IncomingMessage;

describe('whose token a request carries', () => {
  it('takes the Authorization bearer token first', () => {
    assert.equal(requestToken(request({ authorization: 'Bearer abc.def' }), false), 'abc.def');
    assert.equal(requestToken(request({ authorization: 'bearer  abc ' }), false), 'abc');
    assert.equal(
      requestToken(request({ authorization: 'Bearer mine', 'x-forwarded-access-token': 'proxy' }), true),
      'mine',
    );
  });

  it("takes the proxy's X-Forwarded-Access-Token only when told to trust it", () => {
    const forwarded = request({ 'x-forwarded-access-token': 'from-proxy' });
    assert.equal(requestToken(forwarded, true), 'from-proxy');
    assert.equal(requestToken(forwarded, false), undefined);
  });

  it('has no token for other schemes or none', () => {
    assert.equal(requestToken(request({ authorization: 'Basic dXNlcjpwYXNz' }), true), undefined);
    assert.equal(requestToken(request({}), true), undefined);
  });
});

describe('which namespaces a limited token is tried in', () => {
  it("finds a ServiceAccount's own namespace", () => {
    assert.equal(serviceAccountNamespace('system:serviceaccount:team-a:tenant'), 'team-a');
    assert.equal(serviceAccountNamespace('alice@example.com'), undefined);
  });

  it('keeps valid namespace names from the sign-in form, sorted, without duplicates, at most 20', () => {
    assert.deepEqual(parseNamespaceHints(' team-b, team-a team-b,,Not_Valid,-x '), ['team-a', 'team-b']);
    assert.deepEqual(parseNamespaceHints(undefined), []);
    const many = Array.from({ length: 30 }, (_, i) => `ns-${String(i).padStart(2, '0')}`).join(',');
    assert.equal(parseNamespaceHints(many).length, 20);
  });
});
