#!/usr/bin/env node
'use strict';
/*
 * Validates /csc/v1 responses against the CSC v1 JSON schema, patched by
 * schema_patch.js.
 *
 *   node validate.js --schema <csc_schema_v.1.0.3.0.json> --dumps <dir>
 *   node validate.js --schema <csc_schema_v.1.0.3.0.json> --self-check <dir>
 *
 * A response file (what csc_call in tests/integration/csc_support.c writes
 * when SAM_TEST_CSC_DUMP_DIR is set) is one line "<status> <method>
 * <content-type>" followed by the body as received.
 *
 * --dumps: every file must pass; every method that info lists (and info
 * itself) must have at least one success answer that passed; an empty
 * directory fails. --self-check: files named good-*.resp must pass and
 * bad-*.resp must fail, which shows that the check can fail at all.
 * Exit status 0 when all is well, 1 otherwise, 2 on bad usage.
 */
const fs = require('node:fs');
const path = require('node:path');
const Ajv = require('ajv');
const {patchSchema} = require('./schema_patch.js');

/* What a success is, per method: its status and the schema of its body (none: no body). */
const SUCCESS = {
    'info': {status: 200, def: 'output-info'},
    'auth/login': {status: 200, def: 'output-auth-login'},
    'auth/revoke': {status: 204},
    'credentials/list': {status: 200, def: 'output-credentials-list'},
    'credentials/info': {status: 200, def: 'output-credentials-info'},
    'credentials/authorize': {status: 200, def: 'output-credentials-authorize'},
    'credentials/extendTransaction': {status: 200, def: 'output-credentials-extendTransaction'},
    'credentials/sendOTP': {status: 204},
    'signatures/signHash': {status: 200, def: 'output-signatures-signhash'},
    'signatures/timestamp': {status: 200, def: 'output-signatures-timestamp'},
};
/* Bounds: a test run makes a few hundred calls; a body is a few KB. */
const MAX_FILES = 20000;
const MAX_FILE_BYTES = 4 << 20;

function usage() {
    process.stderr.write('usage: validate.js --schema FILE (--dumps DIR | --self-check DIR)\n');
    process.exit(2);
}

function parseArgs(argv) {
    const a = {};
    for (let i = 0; i < argv.length; i += 2) {
        const k = argv[i], v = argv[i + 1];
        if (v === undefined || !['--schema', '--dumps', '--self-check'].includes(k))
            usage();
        a[k.slice(2)] = v;
    }
    if (!a.schema || (a.dumps === undefined) === (a['self-check'] === undefined))
        usage();
    return a;
}

function compile(schemaFile) {
    const raw = JSON.parse(fs.readFileSync(schemaFile, 'utf8'));
    const {schema, applied} = patchSchema(raw);
    const ajv = new Ajv({allErrors: true, strict: true, strictTypes: false, strictRequired: false});
    ajv.addSchema(schema, 'csc');
    const validators = {};
    for (const def of [...Object.values(SUCCESS).map((s) => s.def).filter(Boolean), 'output-error']) {
        validators[def] = ajv.getSchema(`csc#/definitions/${def}`);
        if (!validators[def])
            throw new Error(`no definition ${def} in the patched schema`);
    }
    return {validators, applied};
}

/* {status, method, contentType, body} of one response file. */
function readResponse(file) {
    const st = fs.statSync(file);
    if (st.size > MAX_FILE_BYTES)
        throw new Error(`${file}: larger than ${MAX_FILE_BYTES} bytes`);
    const buf = fs.readFileSync(file);
    const nl = buf.indexOf(0x0a);
    if (nl < 0)
        throw new Error(`${file}: no header line`);
    const m = /^([0-9]{3}) (\S+) ?(.*)$/.exec(buf.subarray(0, nl).toString('utf8'));
    if (!m)
        throw new Error(`${file}: bad header line`);
    return {status: Number(m[1]), method: m[2], contentType: m[3],
            body: buf.subarray(nl + 1).toString('utf8')};
}

function schemaErrors(validate, value) {
    if (validate(value))
        return [];
    return validate.errors.map((e) => `${e.instancePath || '/'} ${e.message}` +
        (e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''));
}

function jsonBody(r, problems) {
    if (!/^application\/json(\s*;|$)/i.test(r.contentType))
        problems.push(`Content-Type is "${r.contentType}", not application/json`);
    try {
        return JSON.parse(r.body);
    } catch (e) {
        problems.push(`body is not JSON: ${e.message}`);
        return undefined;
    }
}

/* The problems with one response (empty: it conforms), and whether it is a valid success. */
function check(r, validators) {
    const problems = [];
    const want = SUCCESS[r.method];
    if (r.status >= 200 && r.status < 300) {
        if (!want) {
            problems.push('a success answer for a method the CSC text does not define');
        } else if (r.status !== want.status) {
            problems.push(`success status ${r.status}, the text says ${want.status}`);
        } else if (!want.def) {
            if (r.body.length !== 0)
                problems.push(`${r.status} must have no body`);
        } else {
            const v = jsonBody(r, problems);
            if (v !== undefined)
                problems.push(...schemaErrors(validators[want.def], v));
        }
        return {problems, success: problems.length === 0};
    }
    if (r.status < 400) {
        problems.push(`status ${r.status} is neither a success nor an error`);
    } else {
        const v = jsonBody(r, problems);
        if (v !== undefined)
            problems.push(...schemaErrors(validators['output-error'], v));
    }
    return {problems, success: false};
}

function listFiles(dir) {
    const names = fs.readdirSync(dir).filter((n) => n.endsWith('.resp')).sort();
    if (names.length > MAX_FILES)
        throw new Error(`${dir}: more than ${MAX_FILES} responses`);
    return names;
}

function report(file, r, problems) {
    const excerpt = r.body.length > 400 ? `${r.body.slice(0, 400)}...` : r.body;
    process.stdout.write(`FAIL ${file}: ${r.status} ${r.method}\n` +
        problems.map((p) => `    ${p}\n`).join('') + `    body: ${excerpt}\n`);
}

function runDumps(dir, validators) {
    const names = listFiles(dir);
    const succeeded = new Map(); /* method -> count of valid success answers */
    const implemented = new Set();
    let failed = 0, sawInfo = false;

    for (const name of names) {
        const file = path.join(dir, name);
        const r = readResponse(file);
        const {problems, success} = check(r, validators);
        if (problems.length > 0) {
            failed++;
            report(name, r, problems);
            continue;
        }
        if (!success)
            continue;
        succeeded.set(r.method, (succeeded.get(r.method) || 0) + 1);
        if (r.method === 'info') {
            sawInfo = true;
            for (const m of JSON.parse(r.body).methods)
                implemented.add(m);
        }
    }
    let missing = 0;
    if (names.length === 0) {
        process.stdout.write(`FAIL: no response in ${dir}: did the CSC tests run with ` +
                             'SAM_TEST_CSC_DUMP_DIR set?\n');
        missing++;
    } else if (!sawInfo) {
        process.stdout.write('FAIL: no valid success answer of info, so no list of methods\n');
        missing++;
    }
    implemented.add('info');
    for (const m of [...implemented].sort()) {
        const n = succeeded.get(m) || 0;
        process.stdout.write(`${n > 0 ? 'ok  ' : 'FAIL'} ${m}: ${n} valid success answer(s)\n`);
        if (n === 0)
            missing++;
    }
    process.stdout.write(`${names.length} responses checked, ${failed} did not conform; ` +
                         `${missing} method(s) without a valid success answer\n`);
    return failed === 0 && missing === 0;
}

function runSelfCheck(dir, validators) {
    const names = listFiles(dir);
    let wrong = 0, good = 0, bad = 0;
    for (const name of names) {
        const r = readResponse(path.join(dir, name));
        const {problems} = check(r, validators);
        if (name.startsWith('good-')) {
            good++;
            if (problems.length > 0) {
                wrong++;
                report(name, r, problems);
            }
        } else if (name.startsWith('bad-')) {
            bad++;
            if (problems.length === 0) {
                wrong++;
                process.stdout.write(`FAIL ${name}: accepted, but it must be refused\n`);
            } else {
                process.stdout.write(`ok   ${name}: refused (${problems[0]})\n`);
            }
        } else {
            wrong++;
            process.stdout.write(`FAIL ${name}: neither good-* nor bad-*\n`);
        }
    }
    process.stdout.write(`self-check: ${good} good, ${bad} bad, ${wrong} wrong\n`);
    return wrong === 0 && good > 0 && bad > 0;
}

function main() {
    const a = parseArgs(process.argv.slice(2));
    const {validators, applied} = compile(a.schema);
    process.stdout.write(`schema ${a.schema}, patches: ${applied.join(', ')}\n`);
    const ok = a.dumps !== undefined ? runDumps(a.dumps, validators)
                                     : runSelfCheck(a['self-check'], validators);
    process.exit(ok ? 0 : 1);
}

main();
