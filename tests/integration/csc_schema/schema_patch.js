'use strict';
/*
 * Our patches to the consortium's CSC v1 JSON schema (csc_schema_v.1.0.3.0.json,
 * read where it lies in shared/spec/csc-reference/, never copied here).
 *
 * The schema is for v1.0.3.0 and has known defects; the contract is the
 * v1.0.4.0 text (CSC_API_V1_1.0.4.0.txt). Every patch below names the section
 * of that text it follows. Each one first checks that the schema still holds
 * what the patch replaces, so a new schema file makes the test fail loudly
 * instead of patching nothing. docs/api-csc.md ("Schema validation") lists the
 * same patches for readers.
 *
 * Two kinds of patches:
 *   - fixes: the schema contradicts the text, or cannot be compiled;
 *   - tightenings: the text says more than the schema encodes (value sets,
 *     conditional members, exact member lists). They make the check stricter
 *     than the consortium's file, never looser.
 */
const assert = require('node:assert');

const B64 = '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$';
const GENERALIZED_TIME = '^[0-9]{14}Z$';

/* The object at a JSON pointer-like path (array of keys) in schema. */
function at(schema, path) {
    let node = schema;
    for (const key of path) {
        assert.ok(node !== null && typeof node === 'object' && key in node,
                  `schema has no ${path.join('/')}`);
        node = node[key];
    }
    return node;
}

/* Set path to value after checking that it holds `expected` today. */
function replace(schema, path, expected, value) {
    const parent = at(schema, path.slice(0, -1));
    const key = path[path.length - 1];
    assert.deepStrictEqual(parent[key], expected,
                           `schema's ${path.join('/')} changed; review this patch`);
    parent[key] = value;
}

/* Add members to the object at path; none of them may exist yet. */
function add(schema, path, members) {
    const node = at(schema, path);
    for (const [k, v] of Object.entries(members)) {
        assert.ok(!(k in node), `schema's ${path.join('/')}/${k} exists now; review this patch`);
        node[k] = v;
    }
}

const def = (name) => ['definitions', name];
const OUTPUTS = ['output-info', 'output-auth-login', 'output-oauth2-token',
                 'output-credentials-list', 'output-credentials-info',
                 'output-credentials-authorize', 'output-credentials-extendTransaction',
                 'output-signatures-signhash', 'output-signatures-timestamp'];

/* Table 4 of §11: every method name the text defines. */
const METHOD_NAMES = ['info', 'auth/login', 'auth/revoke', 'credentials/list', 'credentials/info',
                      'credentials/authorize', 'credentials/extendTransaction',
                      'credentials/sendOTP', 'signatures/signHash', 'signatures/timestamp',
                      'oauth2/authorize', 'oauth2/token', 'oauth2/revoke'];

const PATCHES = [
    /* ---- fixes --------------------------------------------------------- */
    {
        name: 'broken-refs',
        why: 'two $refs point into the OpenAPI document (#/components/schemas/...), which this ' +
             'file does not have; no validator can compile it. Point them at #/definitions/.',
        apply(s) {
            const ext = def('input-credentials-extendTransaction');
            replace(s, [...ext, 'properties', 'hash'], {$ref: '#/components/schemas/hash'},
                    {$ref: '#/definitions/hash'});
            const out = def('output-credentials-extendTransaction');
            replace(s, [...out, 'properties', 'expiresIn'],
                    {$ref: '#/components/schemas/expiresIn'}, {$ref: '#/definitions/expiresIn'});
        },
    },
    {
        name: 'multisign-number',
        why: '§11.5: multisign is a Number >= 1 (the most signatures one authorization allows), ' +
             'not a boolean. A count, so an integer.',
        apply(s) {
            replace(s, [...def('multisign'), 'type'], 'boolean', 'integer');
            add(s, def('multisign'), {minimum: 1});
        },
    },
    {
        name: 'rememberMe-optional',
        why: '§11.2: rememberMe is OPTIONAL in auth/login.',
        apply(s) {
            replace(s, [...def('input-auth-login'), 'required'], ['rememberMe'], []);
        },
    },
    {
        name: 'credentials-info-required',
        why: '§11.5: of key, cert, authMode, PIN, OTP, multisign and lang, only key, authMode and ' +
             'multisign are always REQUIRED; lang is OPTIONAL, cert has only conditional or ' +
             'optional members, PIN and OTP are present only in explicit mode (and only when ' +
             'authInfo asks for them).',
        apply(s) {
            replace(s, [...def('output-credentials-info'), 'required'],
                    ['key', 'cert', 'authMode', 'PIN', 'OTP', 'multisign', 'lang'],
                    ['key', 'authMode', 'multisign']);
        },
    },
    {
        name: 'authMode-values',
        why: '§11.5: authMode is implicit | explicit | oauth2code; "oauth2token" is not a value.',
        apply(s) {
            replace(s, [...def('authMode'), 'pattern'],
                    '^(implicit|explicit|oauth2code|oauth2token)$', '^(implicit|explicit|oauth2code)$');
        },
    },
    {
        name: 'oauth2-token-client-secret',
        why: '§8.3.3: client_secret is REQUIRED only when neither an Authorization header nor a ' +
             'client assertion is used.',
        apply(s) {
            replace(s, [...def('input-oauth2-token'), 'required'],
                    ['grant_type', 'client_id', 'client_secret'], ['grant_type', 'client_id']);
        },
    },
    {
        name: 'key-curve-oid',
        why: '§11.5: key/curve is a String, the OID of the ECDSA curve (the 1.0.3.0 schema types ' +
             'it integer, which no OID is).',
        apply(s) {
            replace(s, [...def('key'), 'properties', 'curve', 'type'], 'integer', 'string');
            add(s, [...def('key'), 'properties', 'curve'], {pattern: '^[0-2](\\.[0-9]+)+$'});
        },
    },
    {
        name: 'pin-format',
        why: '§11.5: PIN/format is A | N ("B" is not a value).',
        apply(s) {
            replace(s, [...def('PININFO'), 'properties', 'format', 'pattern'], '^(A|B)$', '^(A|N)$');
        },
    },
    {
        name: 'info-description',
        why: '§11.1: description is a REQUIRED String; the schema requires it but does not ' +
             'declare it, so the exact member list below would refuse it.',
        apply(s) {
            add(s, [...def('output-info'), 'properties'],
                {description: {$ref: '#/definitions/description'}});
        },
    },
    /* ---- tightenings --------------------------------------------------- */
    {
        name: 'info-values',
        why: '§11.1: specs is "Major.Minor.x.y"; authType values are external, TLS, basic, ' +
             'digest, oauth2code, oauth2client; oauth2 is REQUIRED when authType has ' +
             'oauth2code or oauth2client; methods are names of the methods the text defines ' +
             '(Table 4).',
        apply(s) {
            add(s, def('specs'), {pattern: '^1\\.[0-9]+\\.[0-9]+\\.[0-9]+$'});
            replace(s, [...def('authType'), 'items', 'pattern'],
                    '^(external|TLS|basic|digest|oauth2code|oauth2implicit|oauth2client)$',
                    '^(external|TLS|basic|digest|oauth2code|oauth2client)$');
            add(s, [...def('authType')], {minItems: 1, uniqueItems: true});
            add(s, [...def('methods'), 'items'], {enum: METHOD_NAMES});
            add(s, [...def('methods')], {uniqueItems: true});
            add(s, def('output-info'), {
                if: {properties: {authType: {contains: {enum: ['oauth2code', 'oauth2client']}}}},
                then: {required: ['oauth2']},
            });
        },
    },
    {
        name: 'credentials-info-conditions',
        why: '§11.5: key/curve only (and then always) for ECDSA keys; PIN and OTP present only ' +
             'when authMode is explicit; PIN/presence and OTP/presence REQUIRED, true | false | ' +
             'optional; PIN/format, OTP/type, OTP/format, OTP/ID REQUIRED unless presence is ' +
             '"false"; OTP/type offline | online, OTP/format A | N; cert/certificates are ' +
             'base64; validFrom and validTo are GeneralizedTime; serialNumber is hex; the five ' +
             'certInfo members come together.',
        apply(s) {
            const ecdsa = {properties: {algo: {contains: {pattern: '^1\\.2\\.840\\.10045\\.'}}}};
            add(s, def('key'), {
                if: ecdsa, then: {required: ['curve']}, else: {not: {required: ['curve']}},
            });
            add(s, def('output-credentials-info'), {
                if: {not: {properties: {authMode: {const: 'explicit'}}}},
                then: {not: {anyOf: [{required: ['PIN']}, {required: ['OTP']}]}},
            });
            const presence = {type: 'string', enum: ['true', 'false', 'optional']};
            const notFalse = {properties: {presence: {not: {const: 'false'}}}};
            const pin = def('PININFO');
            replace(s, [...pin, 'required'], [], ['presence']);
            add(s, [...pin, 'properties', 'presence'], {enum: presence.enum});
            add(s, pin, {if: notFalse, then: {required: ['format']}});
            const otp = def('OTPINFO');
            replace(s, [...otp, 'required'], [], ['presence']);
            add(s, [...otp, 'properties', 'presence'], {enum: presence.enum});
            add(s, [...otp, 'properties', 'type'], {enum: ['offline', 'online']});
            add(s, [...otp, 'properties', 'format'], {enum: ['A', 'N']});
            add(s, otp, {if: notFalse, then: {required: ['type', 'format', 'ID']}});
            const cert = [...def('cert'), 'properties'];
            add(s, [...cert, 'certificates'], {minItems: 1});
            add(s, [...cert, 'certificates', 'items'], {pattern: B64, minLength: 1});
            add(s, [...cert, 'validFrom'], {pattern: GENERALIZED_TIME});
            add(s, [...cert, 'validTo'], {pattern: GENERALIZED_TIME});
            add(s, [...cert, 'serialNumber'], {pattern: '^[0-9A-Fa-f]+$'});
            const together = ['issuerDN', 'serialNumber', 'subjectDN', 'validFrom', 'validTo'];
            add(s, def('cert'), {
                dependencies: Object.fromEntries(
                    together.map((m) => [m, together.filter((o) => o !== m)])),
            });
        },
    },
    {
        name: 'signatures-base64',
        why: '§11.9: signatures are Base64-encoded signed hashes, one per input hash (csc-v1.md: ' +
             'standard base64).',
        apply(s) {
            add(s, def('signatures'), {minItems: 1});
            add(s, [...def('signatures'), 'items'], {pattern: B64, minLength: 1});
        },
    },
    {
        name: 'exact-members',
        why: "§11.1-11.10: each method's output table lists every member it returns; anything " +
             'else is a typo or an extension no client knows. Refuse unknown members in every ' +
             'output object and in key, cert, PIN and OTP.',
        apply(s) {
            for (const name of [...OUTPUTS, 'key', 'cert', 'PININFO', 'OTPINFO'])
                add(s, def(name), {additionalProperties: false});
        },
    },
    {
        name: 'error-shape',
        why: '§10.1 and csc-v1.md: an error is {"error", "error_description"} at the top level, ' +
             'codes lower case as in RFC 6749. The text makes error_description OPTIONAL; our ' +
             'contract (csc-v1.md) always sends it. Not in the consortium file: added here.',
        apply(s) {
            add(s, ['definitions'], {
                'output-error': {
                    type: 'object',
                    required: ['error', 'error_description'],
                    properties: {
                        error: {type: 'string', pattern: '^[a-z][a-z0-9_]*$'},
                        error_description: {type: 'string', minLength: 1},
                    },
                    additionalProperties: false,
                },
            });
        },
    },
];

/* A patched deep copy of the consortium's schema, and the names of the patches applied. */
function patchSchema(raw) {
    const s = structuredClone(raw);
    for (const p of PATCHES)
        p.apply(s);
    return {schema: s, applied: PATCHES.map((p) => p.name)};
}

module.exports = {patchSchema, PATCHES, METHOD_NAMES};
