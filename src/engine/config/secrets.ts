/**
 * What must never appear in output, logs or reports, decided by rule rather than by a short list: a
 * header or parameter whose name looks like a credential, a value that looks like one, the userinfo of a
 * URL. Everything that shows a config, a URL or headers goes through here.
 */
export const REDACTED = '[redacted]';

/** Names that carry credentials: authorization, any *token*, *secret*, *passw*, api key, cookie, session, signature. */
const SECRET_NAME = /auth|token|secret|passw|pwd|api[-_]?key|apikey|access[-_]?key|cookie|session|credential|signature|private/i;
/** Values that are credentials whatever their name: a scheme and a token, or a well-known key shape. */
const SECRET_VALUE = /^(bearer|basic|api-key|token|digest)\s+\S|^sk-[A-Za-z0-9_-]{8,}|^(ghp|gho|xox[abp])_?[A-Za-z0-9_-]{8,}/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

export function looksSecret(name: string, value: string): boolean {
  return SECRET_NAME.test(name) || SECRET_VALUE.test(value.trim());
}

export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = looksSecret(k, v) ? REDACTED : v;
  return out;
}

/** A URL as it may be shown: no user or password, credential-looking query parameters replaced. Non-URLs pass through. */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // Not a URL: still strip anything that looks like userinfo.
    return url.replace(/\/\/[^/@\s]*@/g, `//${REDACTED}@`);
  }
  const userinfo = u.username || u.password;
  const query = u.search
    .slice(1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) return pair;
      const [name, value] = [pair.slice(0, eq), pair.slice(eq + 1)];
      return looksSecret(decodeURIComponent(name), decodeURIComponent(value)) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
  if (!userinfo && query === u.search.slice(1)) return url;
  // Built by hand: URL's own setters would percent-encode the brackets of [redacted].
  return `${u.protocol}//${userinfo ? `${REDACTED}@` : ''}${u.host}${u.pathname}${query ? `?${query}` : ''}${u.hash}`;
}

/**
 * Why `value` is not a usable http(s) target URL, naming `field`, or null when it is. The message shows
 * the URL redacted: a password typed into a URL must not come back in an error.
 */
export function targetUrlProblem(field: string, value: unknown): string | null {
  if (typeof value !== 'string') return `${field} must be an http:// or https:// URL, got ${typeof value}`;
  const shown = JSON.stringify(redactUrl(value));
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return `${field} is not a valid URL (check the port is 1..65535 and brackets around an IPv6 address are closed), got ${shown}`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `${field} must be an http:// or https:// URL, got ${shown}`;
  if (!u.hostname) return `${field} has no host, got ${shown}`;
  if (u.port === '0') return `${field} has port 0, got ${shown}`;
  return null;
}

/** A credential after its scheme, a well-known key shape, or a URL's userinfo, anywhere in free text. */
const TEXT_SECRETS: [RegExp, string][] = [
  [/\b(bearer|basic|api-key|token|digest)(\s+)[A-Za-z0-9._~+/=-]{6,}/gi, `$1$2${REDACTED}`],
  [/\b(sk|ghp|gho|xox[abp])([-_])[A-Za-z0-9_-]{8,}/g, REDACTED],
  [/([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+(?::[^\s/@]*)?@/gi, `$1${REDACTED}@`],
];
/** `name: value` or `name=value` where the name carries credentials and the value is not a plain number. */
const NAMED_SECRET = /(["']?)([A-Za-z0-9_-]*(?:auth|token|secret|passw|pwd|api[-_]?key|apikey|access[-_]?key|cookie|session|credential|signature|private)[A-Za-z0-9_-]*)\1(\s*[:=]\s*)(["']?)(?!\d+\b|(?:bearer|basic|api-key|token|digest)\s|\[redacted\])([^\s"',;)}\]]{6,})/gi;

/**
 * Free text that may quote what a user wrote (a YAML error's code frame, an exception's message), with
 * every credential in it replaced: what prints an error goes through here, as what shows a config does.
 */
export function redactText(text: string): string {
  let out = text;
  for (const [re, to] of TEXT_SECRETS) out = out.replace(re, to);
  return out.replace(NAMED_SECRET, (_m, q: string, name: string, sep: string, vq: string) => `${q}${name}${q}${sep}${vq}${REDACTED}`);
}
