// Operator controls: pause, resume, single step and attack injection, sent with
// the bearer token typed into the page. The token lives only in this page's
// memory (the input field); it is never stored or put in a URL.
import { postControl } from './api.js';
import { ATTACK_KINDS, attackRequest } from './attack_form.js';
import { escapeHtml } from './dom.js';

export class Controls {
  constructor({ root, result, onReply }) {
    this.root = root;
    this.result = result;
    this.onReply = onReply;
    this.token = root.querySelector('#token');
    const kind = root.querySelector('#attack-kind');
    kind.innerHTML = ATTACK_KINDS.map((k) => `<option value="${k}">${k.replaceAll('_', ' ')}</option>`).join('');
    root.querySelector('#pause').addEventListener('click', () => this.send('pause', '/v1/simulation/pause'));
    root.querySelector('#resume').addEventListener('click', () => this.send('resume', '/v1/simulation/resume'));
    root.querySelector('#step').addEventListener('click', () => this.send('step', '/v1/simulation/step'));
    root.querySelector('#attack-form').addEventListener('submit', (event) => {
      event.preventDefault();
      let body;
      try {
        body = attackRequest(kind.value, root.querySelector('#attack-sources').value, root.querySelector('#attack-targets').value);
      } catch (error) {
        this.show(false, `attack: ${error.message}`);
        return;
      }
      this.send('attack', '/v1/attacks', body);
    });
  }

  async send(action, path, body = undefined) {
    const token = this.token.value.trim();
    if (!token) {
      this.show(false, `${action}: enter the API token first`);
      return;
    }
    this.show(null, `${action}: sending…`);
    const reply = await postControl(path, token, body);
    this.onReply(action, reply);
    if (reply.ok) {
      this.show(true, `${action}: ${reply.status} ${summarise(reply.body)}`);
    } else {
      this.show(false, `${action} refused: ${reply.status || 'no answer'} ${reply.body?.error ?? ''}`);
    }
  }

  show(ok, text) {
    this.result.className = ok === null ? 'result' : ok ? 'result ok' : 'result error';
    this.result.innerHTML = escapeHtml(text);
  }
}

function summarise(body) {
  if (!body || typeof body !== 'object') return '';
  return Object.entries(body)
    .filter(([, v]) => typeof v !== 'object' || v === null)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}
