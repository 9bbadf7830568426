#!/usr/bin/env node
'use strict';
// csc-pdf-sign: sign a PDF through a CSC API v1 server (OpenSAM's /csc/v1 or any other).
//
//   auth/login (Basic) -> credentials/list -> credentials/info (chain, certInfo)
//   -> credentials/authorize (the hash of the CMS signed attributes, PIN)
//   -> signatures/signHash -> detached CMS SignedData in an incremental update.
//
// The document never leaves this machine: only the hash of the signed
// attributes (which hold the document's digest) goes to the server.
// See README.md beside this file.

const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { plainAddPlaceholder } = require('@signpdf/placeholder-plain');
const signpdf = require('@signpdf/signpdf').default;
const { Signer, SUBFILTER_ETSI_CADES_DETACHED, SUBFILTER_ADOBE_PKCS7_DETACHED } = require('@signpdf/utils');
const { CscClient, CscError } = require('./lib/csc-client');
const algorithms = require('./lib/algorithms');
const cms = require('./lib/cms');
const { tinyPdf } = require('./lib/tiny-pdf');

const MAX_PDF_BYTES = 64 * 1024 * 1024;
const MAX_SECRET_BYTES = 1024;

const USAGE = `Usage: csc-pdf-sign.js [options] IN.pdf OUT.pdf
       csc-pdf-sign.js --make-test-pdf OUT.pdf [TEXT]

Signs IN.pdf through the CSC API v1 and writes OUT.pdf (an incremental update
with a detached CMS signature and the credential's certificate chain).

Where the server and the secrets come from (flags override the file):
  --sandbox FILE        sandbox.json of \`make run\` (default: $SAM_SANDBOX, else
                        ./sandbox/sandbox.json when it exists): its "csc" member
                        (url, user, password, pin, credential_ids) and ca_cert
  --url URL             the base that /csc/v1/... is appended to
  --ca FILE             PEM certificate(s) the server's TLS certificate must chain to
  --user ID             the CSC user (auth/login, HTTP Basic)
  --password-file FILE  the user's password (first line)
  --pin-file FILE       the credential's PIN (first line)

What to sign with:
  --credential ID       this credential (default: the first one listed that fits --key)
  --key rsa|ec          the key type to choose when --credential is not given
  --digest sha256|sha384|sha512   (default sha256)
  --pss                 RSA only: RSASSA-PSS (salt as long as the digest)
                        instead of PKCS#1 v1.5
  --subfilter cades|pkcs7   ETSI.CAdES.detached (default, PAdES B-B) or adbe.pkcs7.detached
  --reason TEXT, --location TEXT, --name TEXT   shown by PDF readers

  --quiet               print only errors
  -h, --help            this text

Exit status: 0 signed, 1 failed (the server's error and error_description
are printed), 2 bad command line.`;

class UsageError extends Error {}

function parseArgs(argv) {
  const opts = { digest: 'sha256', subfilter: 'cades', reason: 'Signed through the CSC API', location: '', name: '', files: [] };
  const valued = new Set(['--sandbox', '--url', '--ca', '--user', '--password-file', '--pin-file', '--credential',
    '--key', '--digest', '--subfilter', '--reason', '--location', '--name']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') opts.help = true;
    else if (a === '--pss') opts.pss = true;
    else if (a === '--quiet') opts.quiet = true;
    else if (a === '--make-test-pdf') opts.makeTestPdf = true;
    else if (valued.has(a)) {
      if (i + 1 >= argv.length) throw new UsageError(`${a} needs a value`);
      opts[a.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = argv[++i];
    } else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
    else opts.files.push(a);
  }
  if (opts.key !== undefined && opts.key !== 'rsa' && opts.key !== 'ec') throw new UsageError('--key is rsa or ec');
  if (!(opts.digest in algorithms.DIGESTS)) throw new UsageError('--digest is sha256, sha384 or sha512');
  if (opts.subfilter !== 'cades' && opts.subfilter !== 'pkcs7') throw new UsageError('--subfilter is cades or pkcs7');
  return opts;
}

function readBounded(file, max, what) {
  const st = fs.statSync(file);
  if (!st.isFile()) throw new Error(`${file}: not a file`);
  if (st.size > max) throw new Error(`${file}: ${what} over ${max} bytes`);
  return fs.readFileSync(file);
}

function readSecretFile(file, what) {
  const first = readBounded(file, MAX_SECRET_BYTES, what).toString('utf8').split(/\r?\n/)[0];
  if (first.length === 0) throw new Error(`${file}: no ${what}`);
  return first;
}

// settings(opts): url, ca (PEM), user, password, pin, credentialIds from sandbox.json and flags.
function settings(opts) {
  let file = opts.sandbox || process.env.SAM_SANDBOX;
  if (!file && fs.existsSync('sandbox/sandbox.json')) file = 'sandbox/sandbox.json';
  let sb = {};
  if (file) {
    try {
      sb = JSON.parse(readBounded(file, MAX_SECRET_BYTES * 64, 'sandbox file').toString('utf8'));
    } catch (e) {
      throw new Error(`${file}: ${e.message}`);
    }
  }
  const csc = sb.csc || {};
  const s = {
    url: opts.url || csc.url,
    caFile: opts.ca || sb.ca_cert,
    user: opts.user || csc.user,
    password: opts.passwordFile ? readSecretFile(opts.passwordFile, 'password') : csc.password,
    pin: opts.pinFile ? readSecretFile(opts.pinFile, 'PIN') : csc.pin,
    credentialIds: Array.isArray(csc.credential_ids) ? csc.credential_ids : [],
  };
  for (const [k, flag] of [['url', '--url'], ['caFile', '--ca'], ['user', '--user'], ['password', '--password-file']]) {
    if (typeof s[k] !== 'string' || s[k].length === 0) {
      throw new UsageError(`no ${flag.slice(2)}: give ${flag} or a sandbox.json with a "csc" member (--sandbox)`);
    }
  }
  s.ca = readBounded(s.caFile, MAX_SECRET_BYTES * 64, 'CA file').toString('utf8');
  return s;
}

// chooseCredential: --credential, else the first credential listed (by the
// server, in sandbox.json's order when both know it) whose key is --key.
async function chooseCredential(client, opts, s, say) {
  const list = await client.call('credentials/list', {});
  const ids = Array.isArray(list.credentialIDs) ? list.credentialIDs : [];
  say(`credentials/list: ${ids.length} credential(s)`);
  if (opts.credential) {
    if (!ids.includes(opts.credential)) throw new Error(`credential ${opts.credential} is not among the user's credentials`);
    return opts.credential;
  }
  const ordered = s.credentialIds.filter((id) => ids.includes(id)).concat(ids.filter((id) => !s.credentialIds.includes(id)));
  for (const id of ordered) {
    const info = await client.call('credentials/info', { credentialID: id });
    if (!opts.key || algorithms.keyTypeOf(info.key && info.key.algo) === opts.key) return id;
  }
  throw new Error(`the user has no ${opts.key ? `${opts.key.toUpperCase()} ` : ''}credential`);
}

function decodeChain(info) {
  const certs = info.cert && info.cert.certificates;
  if (!Array.isArray(certs) || certs.length === 0) throw new Error('credentials/info returned no certificate');
  return certs.map((b64) => {
    if (typeof b64 !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new Error('a certificate is not base64');
    return Buffer.from(b64, 'base64');
  });
}

// checkSignature: the returned signature must verify with the certificate's
// key before it goes into the PDF (a wrong algorithm or key shows here, not
// in a reader's warning).
function checkSignature(plan, certDer, data, signature) {
  const key = new crypto.X509Certificate(certDer).publicKey;
  const opts = plan.pss ? { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: plan.pss.saltLength } : { key };
  if (!crypto.verify(plan.digest, data, opts, signature)) {
    throw new Error('the signature from signatures/signHash does not verify with the credential\'s certificate');
  }
}

// A signpdf Signer whose signature comes from the CSC server.
class CscSigner extends Signer {
  constructor({ client, credentialId, info, chainDer, plan, pin, subFilter, say }) {
    super();
    Object.assign(this, { client, credentialId, info, chainDer, plan, pin, subFilter, say });
  }

  async sign(pdfWithoutContents, signingTime) {
    const { plan, say } = this;
    const contentDigest = crypto.createHash(plan.digest).update(pdfWithoutContents).digest();
    const { attributes, der } = cms.signedAttributes({
      contentDigest,
      signerDer: this.chainDer[0],
      signingTime: this.subFilter === SUBFILTER_ADOBE_PKCS7_DETACHED ? signingTime || new Date() : null,
    });
    const hash = crypto.createHash(plan.digest).update(der).digest().toString('base64');

    const authorize = { credentialID: this.credentialId, numSignatures: 1, hash: [hash] };
    if (this.info.authMode === 'explicit' && this.info.PIN && this.info.PIN.presence !== 'false') {
      if (typeof this.pin !== 'string') throw new Error('the credential wants a PIN: give --pin-file');
      authorize.PIN = this.pin;
    }
    const auth = await this.client.call('credentials/authorize', authorize);
    if (typeof auth.SAD !== 'string') throw new CscError('credentials/authorize', 200, 'bad_answer', 'no SAD');
    say(`credentials/authorize: a SAD for 1 signature of the signed attributes' hash (expires in ${auth.expiresIn} s)`);

    const request = { credentialID: this.credentialId, SAD: auth.SAD, hash: [hash], hashAlgo: plan.hashAlgo, signAlgo: plan.signAlgo };
    if (plan.pss) request.signAlgoParams = cms.pssParamsDer(plan.digestOid, plan.pss.saltLength).toString('base64');
    const answer = await this.client.call('signatures/signHash', request);
    if (!Array.isArray(answer.signatures) || answer.signatures.length !== 1 || typeof answer.signatures[0] !== 'string') {
      throw new CscError('signatures/signHash', 200, 'bad_answer', 'not one signature');
    }
    const signature = Buffer.from(answer.signatures[0], 'base64');
    say(`signatures/signHash: ${signature.length}-byte signature (signAlgo ${plan.signAlgo})`);
    checkSignature(plan, this.chainDer[0], der, signature);
    return cms.signedData({ plan, attributes, signature, chainDer: this.chainDer });
  }
}

async function signPdf(opts, say) {
  const [input, output] = opts.files;
  const s = settings(opts);
  const pdf = readBounded(input, MAX_PDF_BYTES, 'PDF');
  const client = new CscClient(s.url, s.ca);
  try {
    await client.login(s.user, s.password);
    say(`auth/login: user ${s.user} at ${s.url}/csc/v1`);
    const credentialId = await chooseCredential(client, opts, s, say);
    const info = await client.call('credentials/info', { credentialID: credentialId, certificates: 'chain', certInfo: true, authInfo: true });
    const keyType = algorithms.keyTypeOf(info.key && info.key.algo);
    if (keyType === null) throw new Error(`credential ${credentialId}: unknown key algorithms`);
    const plan = algorithms.plan(keyType, opts.digest, opts.pss);
    if (!info.key.algo.includes(plan.signAlgo)) throw new Error(`credential ${credentialId} does not offer signAlgo ${plan.signAlgo}`);
    const chainDer = decodeChain(info);
    const leaf = new crypto.X509Certificate(chainDer[0]);
    say(`credentials/info: ${credentialId}, ${keyType.toUpperCase()} ${info.key.len} bits, SCAL ${info.SCAL}, ${info.authMode}, ` +
      `${chainDer.length} certificate(s)`);
    say(`signer certificate: subject ${leaf.subject.replace(/\n/g, ', ')}, serial ${leaf.serialNumber}`);

    const subFilter = opts.subfilter === 'pkcs7' ? SUBFILTER_ADOBE_PKCS7_DETACHED : SUBFILTER_ETSI_CADES_DETACHED;
    const signingTime = new Date();
    const withPlaceholder = plainAddPlaceholder({
      pdfBuffer: pdf,
      reason: opts.reason,
      contactInfo: '',
      name: opts.name || leaf.subject.replace(/^CN=/, '').split('\n')[0],
      location: opts.location,
      signingTime,
      subFilter,
      signatureLength: 8192, // bytes of CMS: room for an RSA-4096 chain of a few certificates
      appName: 'OpenSAM-csc-pdf-sign', // a PDF name: no spaces
    });
    const signer = new CscSigner({ client, credentialId, info, chainDer, plan, pin: s.pin, subFilter, say });
    const signed = await signpdf.sign(withPlaceholder, signer, signingTime);
    const tmp = `${output}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, signed, { mode: 0o644 });
    fs.renameSync(tmp, output);
    say(`wrote ${output} (${signed.length} bytes, ${subFilter})`);
  } finally {
    const err = await client.revoke();
    if (err) say(`auth/revoke failed: ${err.message}`);
    client.close();
  }
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`csc-pdf-sign: ${e.message}\n${USAGE}\n`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const say = opts.quiet ? () => {} : (m) => process.stdout.write(`csc-pdf-sign: ${m}\n`);
  try {
    if (opts.makeTestPdf) {
      if (opts.files.length < 1 || opts.files.length > 2) throw new UsageError('--make-test-pdf takes OUT.pdf [TEXT]');
      const text = opts.files[1] || `A test document for csc-pdf-sign\nmade ${new Date().toISOString()}`;
      fs.writeFileSync(opts.files[0], tinyPdf(text));
      say(`wrote ${opts.files[0]}`);
      return 0;
    }
    if (opts.files.length !== 2) throw new UsageError('give IN.pdf and OUT.pdf');
    if (path.resolve(opts.files[0]) === path.resolve(opts.files[1])) throw new UsageError('OUT.pdf must differ from IN.pdf');
    await signPdf(opts, say);
    return 0;
  } catch (e) {
    process.stderr.write(`csc-pdf-sign: ${e.message}\n`);
    if (e instanceof UsageError) {
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    return 1;
  }
}

main().then((code) => {
  process.exitCode = code;
});
