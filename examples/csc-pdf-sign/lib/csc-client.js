'use strict';
// A minimal CSC API v1 client: POST JSON over HTTPS/1.1 to <base>/csc/v1/<method>.
// The server's certificate must chain to the given CA (no system trust store,
// no client certificate). Answers are bounded in size and time. Secrets
// (password, PIN, tokens, SAD) are sent, never logged: errors carry the
// method, the HTTP status and the server's error / error_description only.

const https = require('https');

const MAX_ANSWER_BYTES = 1024 * 1024;
const TIMEOUT_MS = 30000;

class CscError extends Error {
  constructor(method, status, error, description) {
    super(`${method}: HTTP ${status}${error ? ` ${error}` : ''}${description ? `: ${description}` : ''}`);
    this.method = method;
    this.status = status;
    this.error = error;
    this.description = description;
  }
}

class CscClient {
  // base: e.g. "https://127.0.0.1:8443" (the part before /csc/v1); ca: PEM text.
  constructor(base, ca) {
    const url = new URL(base);
    if (url.protocol !== 'https:') throw new Error(`the CSC base URL must be https: ${base}`);
    this.url = url;
    this.prefix = url.pathname.replace(/\/+$/, '') + '/csc/v1/';
    this.agent = new https.Agent({ ca, keepAlive: true, maxSockets: 1 });
    this.token = null;
  }

  close() {
    this.agent.destroy();
  }

  // call(method, body, authorization): the parsed JSON answer ({} for 204).
  call(method, body, authorization) {
    const payload = Buffer.from(JSON.stringify(body || {}));
    const headers = { 'Content-Type': 'application/json', 'Content-Length': payload.length, Accept: 'application/json' };
    const auth = authorization || (this.token ? `Bearer ${this.token}` : null);
    if (auth) headers.Authorization = auth;
    const options = {
      protocol: 'https:', hostname: this.url.hostname.replace(/^\[|\]$/g, ''), port: this.url.port || 443,
      method: 'POST', path: this.prefix + method, headers, agent: this.agent, timeout: TIMEOUT_MS,
    };
    return new Promise((resolve, reject) => {
      const req = https.request(options, (res) => {
        const chunks = [];
        let size = 0;
        res.on('data', (c) => {
          size += c.length;
          if (size > MAX_ANSWER_BYTES) {
            req.destroy(new Error(`${method}: the answer is over ${MAX_ANSWER_BYTES} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json = {};
          if (text.length > 0) {
            try {
              json = JSON.parse(text);
            } catch (e) {
              reject(new CscError(method, res.statusCode, 'not_json', 'the answer is not JSON'));
              return;
            }
          }
          if (res.statusCode < 200 || res.statusCode > 299) {
            reject(new CscError(method, res.statusCode, json.error, json.error_description));
            return;
          }
          resolve(json);
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method}: no answer within ${TIMEOUT_MS / 1000} s`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  async login(user, password) {
    const basic = Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
    const answer = await this.call('auth/login', {}, `Basic ${basic}`);
    if (typeof answer.access_token !== 'string' || answer.access_token.length === 0) {
      throw new CscError('auth/login', 200, 'bad_answer', 'no access_token');
    }
    this.token = answer.access_token;
    return answer;
  }

  // revoke: give the access token back; failures are reported, not thrown.
  async revoke() {
    if (!this.token) return null;
    const token = this.token;
    try {
      await this.call('auth/revoke', { token, token_type_hint: 'access_token' });
      return null;
    } catch (e) {
      return e;
    } finally {
      this.token = null;
    }
  }
}

module.exports = { CscClient, CscError };
