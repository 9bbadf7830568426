'use strict';
// Which CSC signAlgo / hashAlgo / CMS algorithm identifiers go with a key type
// and a digest. One table, so that the CSC request, the local check of the
// returned signature and the CMS SignerInfo can never disagree.

const DIGESTS = {
  sha256: { oid: '2.16.840.1.101.3.4.2.1', bytes: 32, rsa: '1.2.840.113549.1.1.11', ec: '1.2.840.10045.4.3.2' },
  sha384: { oid: '2.16.840.1.101.3.4.2.2', bytes: 48, rsa: '1.2.840.113549.1.1.12', ec: '1.2.840.10045.4.3.3' },
  sha512: { oid: '2.16.840.1.101.3.4.2.3', bytes: 64, rsa: '1.2.840.113549.1.1.13', ec: '1.2.840.10045.4.3.4' },
};

const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const OID_RSASSA_PSS = '1.2.840.113549.1.1.10';
const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';

// The key type of a credential from credentials/info's key.algo (csc-v1.md:
// signature OIDs; RSA credentials list 1.2.840.113549.1.1.x, EC ones 1.2.840.10045.4.3.x).
function keyTypeOf(algos) {
  if (!Array.isArray(algos)) return null;
  if (algos.some((a) => typeof a === 'string' && a.startsWith('1.2.840.113549.1.1.'))) return 'rsa';
  if (algos.some((a) => typeof a === 'string' && a.startsWith('1.2.840.10045.4.3.'))) return 'ec';
  return null;
}

// plan(keyType, digest, pss): what to ask signHash for and how the CMS names it.
//   signAlgo, hashAlgo: the CSC parameters; pss: {saltLength} or null;
//   cmsAlgo: the SignerInfo signatureAlgorithm OID (its parameters are
//   built by cms.js: none for ECDSA, NULL for RSA PKCS#1, RSASSA-PSS-params for PSS).
function plan(keyType, digest, pss) {
  const d = DIGESTS[digest];
  if (d === undefined) throw new Error(`unknown digest ${digest} (sha256, sha384, sha512)`);
  if (keyType === 'ec') {
    if (pss) throw new Error('--pss needs an RSA credential');
    return { digest, digestOid: d.oid, digestBytes: d.bytes, signAlgo: d.ec, hashAlgo: d.oid, cmsAlgo: d.ec, pss: null };
  }
  if (keyType !== 'rsa') throw new Error(`unknown key type ${keyType}`);
  if (pss) {
    // The salt as long as the digest: what RFC 8017 recommends and every verifier accepts.
    return { digest, digestOid: d.oid, digestBytes: d.bytes, signAlgo: OID_RSASSA_PSS, hashAlgo: d.oid,
      cmsAlgo: OID_RSASSA_PSS, pss: { saltLength: d.bytes } };
  }
  return { digest, digestOid: d.oid, digestBytes: d.bytes, signAlgo: d.rsa, hashAlgo: d.oid, cmsAlgo: d.rsa, pss: null };
}

module.exports = { DIGESTS, OID_RSA_ENCRYPTION, OID_RSASSA_PSS, OID_EC_PUBLIC_KEY, keyTypeOf, plan };
