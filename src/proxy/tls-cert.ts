/**
 * `--tls`: a certificate the proxy makes for its client side, signed by a CA made for this one run, so
 * that a client can reach the proxy over TLS (where most clients speak HTTP/2) by trusting one CA file.
 *
 * The CA's private key lives only in this process's memory and is dropped once it has signed: a CA file
 * handed to a client can never vouch for anything but this certificate. Keys are Node's own (native RSA
 * generation); the X.509 encoding and signing is node-forge's, because Node's crypto makes keys but not
 * certificates. RSA rather than EC: node-forge signs certificates with RSA keys only.
 */
import { generateKeyPair, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { promisify } from 'node:util';
import forge from 'node-forge';

const generate = promisify(generateKeyPair);
const DAY_MS = 86_400_000;
/** Valid from an hour ago (a client's clock a little behind) for a month (a proxy left running). */
const BACKDATE_MS = 3_600_000;
const VALID_MS = 30 * DAY_MS;

export interface ProxyCertificate {
  /** PEM: the proxy's key and certificate (its TLS server's `key` and `cert`). */
  key: string;
  cert: string;
  /** PEM: the CA that signed it, to hand to the client (httpx verify=FILE, NODE_EXTRA_CA_CERTS=FILE). */
  ca: string;
  /** The names and addresses the certificate is valid for. */
  names: string[];
}

/** The names a client may use to reach a proxy listening on `host`: loopback's always, and the host itself. */
export function certificateNames(host: string): string[] {
  const names = new Set(['localhost', '127.0.0.1', '::1']);
  const bare = host.replace(/^\[|\]$/g, '');
  // A wildcard listener is reached by the machine's name (or an address the certificate cannot know).
  if (bare === '0.0.0.0' || bare === '::') names.add(hostname());
  else if (bare !== '') names.add(bare);
  return [...names];
}

async function rsaKeys(): Promise<{ privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey }> {
  const { privateKey } = await generate('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const key = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  return { privateKey: key, publicKey: forge.pki.setRsaPublicKey(key.n, key.e) };
}

function newCertificate(publicKey: forge.pki.PublicKey, subject: forge.pki.CertificateField[], issuer: forge.pki.CertificateField[], now: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // A random positive serial (RFC 5280: unique per CA, at most 20 octets; the top bit clear keeps it positive).
  const serial = randomBytes(16);
  serial[0] = (serial[0] as number) & 0x7f;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = new Date(now - BACKDATE_MS);
  cert.validity.notAfter = new Date(now + VALID_MS);
  cert.setSubject(subject);
  cert.setIssuer(issuer);
  return cert;
}

/** A CA and a server certificate for `names` signed by it (SHA-256, extensions as strict verifiers want them). */
export async function makeProxyCertificate(names: string[], now = Date.now()): Promise<ProxyCertificate> {
  const [caKeys, serverKeys] = await Promise.all([rsaKeys(), rsaKeys()]);
  const caName = [{ name: 'commonName', value: `tailgate proxy CA ${new Date(now).toISOString()}` }];
  const ca = newCertificate(caKeys.publicKey, caName, caName, now);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const server = newCertificate(serverKeys.publicKey, [{ name: 'commonName', value: names[0] ?? 'localhost' }], caName, now);
  server.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    // type 7: an IP address, type 2: a DNS name (RFC 5280 GeneralName).
    { name: 'subjectAltName', altNames: names.map((n) => (isIP(n) ? { type: 7, ip: n } : { type: 2, value: n })) },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  server.sign(caKeys.privateKey, forge.md.sha256.create());
  return {
    key: forge.pki.privateKeyToPem(serverKeys.privateKey),
    cert: forge.pki.certificateToPem(server),
    ca: forge.pki.certificateToPem(ca),
    names,
  };
}
