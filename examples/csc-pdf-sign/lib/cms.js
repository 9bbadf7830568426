'use strict';
// The detached CMS SignedData of a PDF signature (RFC 5652, PAdES baseline B
// for ETSI.CAdES.detached), built around a signature made elsewhere:
//   1. signedAttributes(): the signed attributes, their DER (the SET OF that
//      is hashed and signed), sorted as DER wants a SET OF;
//   2. the caller has the hash of that DER signed (here by signatures/signHash);
//   3. signedData(): the ContentInfo with the certificates and the signature.

const crypto = require('crypto');
const asn1js = require('asn1js');
const pkijs = require('pkijs');
const { OID_RSASSA_PSS } = require('./algorithms');

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  mgf1: '1.2.840.113549.1.1.8',
};

function toArrayBuffer(buf) {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
}

// parseCertificate(der): the pkijs Certificate, refusing trailing bytes.
function parseCertificate(der) {
  const parsed = asn1js.fromBER(toArrayBuffer(der));
  if (parsed.offset === -1 || parsed.offset !== der.length) throw new Error('a certificate is not one DER object');
  return new pkijs.Certificate({ schema: parsed.result });
}

// ESS signing-certificate-v2 (RFC 5035): the SHA-256 of the signer's
// certificate (the default hashAlgorithm, so left out) and its issuer and serial.
function signingCertificateV2(cert, certDer) {
  const hash = crypto.createHash('sha256').update(certDer).digest();
  const issuerSerial = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        value: [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [cert.issuer.toSchema()] })],
      }),
      cert.serialNumber,
    ],
  });
  const essCertIdV2 = new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: toArrayBuffer(hash) }), issuerSerial] });
  return new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] });
}

// signedAttributes({contentDigest, signerDer, signingTime}):
//   {attributes (pkijs, DER order), der (Buffer: the SET OF to hash and sign)}.
// signingTime is included only when given: PAdES (ETSI.CAdES.detached) takes
// the time from the signature dictionary's M and forbids the attribute.
function signedAttributes({ contentDigest, signerDer, signingTime }) {
  const signer = parseCertificate(signerDer);
  const attrs = [
    new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: OID.data })] }),
    new pkijs.Attribute({ type: OID.messageDigest, values: [new asn1js.OctetString({ valueHex: toArrayBuffer(contentDigest) })] }),
    new pkijs.Attribute({ type: OID.signingCertificateV2, values: [signingCertificateV2(signer, signerDer)] }),
  ];
  if (signingTime) attrs.push(new pkijs.Attribute({ type: OID.signingTime, values: [new asn1js.UTCTime({ valueDate: signingTime })] }));
  const encoded = attrs.map((a) => ({ a, der: Buffer.from(a.toSchema().toBER(false)) }));
  encoded.sort((x, y) => Buffer.compare(x.der, y.der));
  const sorted = encoded.map((e) => e.a);
  const der = Buffer.from(new asn1js.Set({ value: sorted.map((a) => a.toSchema()) }).toBER(false));
  return { attributes: sorted, der };
}

function digestAlgorithm(oid) {
  return new pkijs.AlgorithmIdentifier({ algorithmId: oid });
}

// RSASSA-PSS-params (RFC 4055) with MGF1 over the same digest: the CMS
// signatureAlgorithm parameters and, base64, the CSC signAlgoParams.
function pssParams(digestOid, saltLength) {
  return new pkijs.RSASSAPSSParams({
    hashAlgorithm: digestAlgorithm(digestOid),
    maskGenAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.mgf1, algorithmParams: digestAlgorithm(digestOid).toSchema() }),
    saltLength,
  });
}

function pssParamsDer(digestOid, saltLength) {
  return Buffer.from(pssParams(digestOid, saltLength).toSchema().toBER(false));
}

function signatureAlgorithm(plan) {
  if (plan.cmsAlgo === OID_RSASSA_PSS) {
    return new pkijs.AlgorithmIdentifier({ algorithmId: plan.cmsAlgo, algorithmParams: pssParams(plan.digestOid, plan.pss.saltLength).toSchema() });
  }
  if (plan.cmsAlgo.startsWith('1.2.840.113549.1.1.')) {
    return new pkijs.AlgorithmIdentifier({ algorithmId: plan.cmsAlgo, algorithmParams: new asn1js.Null() });
  }
  return new pkijs.AlgorithmIdentifier({ algorithmId: plan.cmsAlgo }); // ECDSA: no parameters (RFC 5758)
}

// signedData({plan, attributes, signature, chainDer}): the DER ContentInfo.
// chainDer: the signer's certificate first, then its issuers (all embedded).
function signedData({ plan, attributes, signature, chainDer }) {
  const signer = parseCertificate(chainDer[0]);
  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({ issuer: signer.issuer, serialNumber: signer.serialNumber }),
    digestAlgorithm: digestAlgorithm(plan.digestOid),
    signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes }),
    signatureAlgorithm: signatureAlgorithm(plan),
    signature: new asn1js.OctetString({ valueHex: toArrayBuffer(signature) }),
  });
  const sd = new pkijs.SignedData({
    version: 1,
    digestAlgorithms: [digestAlgorithm(plan.digestOid)],
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
    certificates: chainDer.map(parseCertificate),
    signerInfos: [signerInfo],
  });
  const ci = new pkijs.ContentInfo({ contentType: OID.signedData, content: sd.toSchema(true) });
  return Buffer.from(ci.toSchema().toBER(false));
}

module.exports = { signedAttributes, signedData, pssParamsDer, parseCertificate };
