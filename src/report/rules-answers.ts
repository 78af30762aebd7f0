/**
 * Findings about what the server answered instead of an answer: redirects the client did not follow
 * (the URL is wrong), and TLS handshakes that failed (the certificate, or trust). Neither is fixed by a
 * client setting a load test can verify: each says what to check.
 */
import type { ProfileReport } from './contract/report.js';
import { err, pct, type Rule } from './rule-kit.js';

const requestsFailedWith = (p: ProfileReport, code: string) => (p.requestErrors as Record<string, number>)[code] ?? 0;

export const redirected: Rule = (p) => {
  const n = requestsFailedWith(p, 'http_3xx');
  if (n === 0) return null;
  const statuses = Object.entries(p.statuses).filter(([s]) => s.startsWith('3')).map(([s, c]) => `${c}× ${s}`).join(', ');
  const never = p.requests.ok === 0;
  return {
    id: 'redirected',
    severity: never ? 'critical' : 'warning',
    symptom: `${never ? 'No request reached an answer: every one' : `${pct(n / p.requests.total)} of requests`} ended on a redirect this client did not follow (http_3xx)`,
    evidence: `${n} of ${p.requests.total} requests failed with a 3xx; answers by status: ${statuses}`,
    cause: 'The server answered with a redirect instead of the answer: the URL is not the one it serves (http for https, a missing path or trailing slash, an old host), or it sends this client to a login page. A client that does not follow redirects (undici, httpx by default) gets the 3xx; one that does follows it, and fails when it loops.',
    fix: "Not a client setting: use the URL the redirect's Location names. Following redirects would only hide a round trip on every request.",
    metric: 'redirect_share',
    change: null,
  };
};

export const tlsFailed: Rule = (p) => {
  const n = err(p, 'tls_error');
  if (n === 0) return null;
  return {
    id: 'tls-failed',
    severity: p.requests.ok === 0 ? 'critical' : 'warning',
    symptom: `${n} connections failed their TLS handshake (tls_error)`,
    evidence: `${n} tries failed before a request could be sent; each error names the cause (self-signed, expired, wrong host, unknown CA, handshake)`,
    cause: "The server's certificate is not one this client trusts for this host, or the two sides share no TLS version or cipher.",
    fix: "Not a client setting to tune: renew or fix the server's certificate, use the host name it is issued for, or give the client the private CA that signed it (turning verification off is for test servers only).",
    metric: 'tls_share',
    change: null,
  };
};
