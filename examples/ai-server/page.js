// The product's page: flows (blocked without a platform license) and Settings → Licenses.
export const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>AI Studio</title><link rel="icon" href="data:,">
<style>
  body { font-family: system-ui, sans-serif; margin: 24px; color: #222; }
  section { border: 1px solid #ddd; border-radius: 8px; padding: 16px; margin-bottom: 16px; }
  .scroll { overflow-x: auto; } table { border-collapse: collapse; width: 100%; } td, th { border-bottom: 1px solid #eee; padding: 6px; text-align: left; }
  .blocked { background: #fff1f0; border-color: #ffa39e; } .ok { background: #f6ffed; border-color: #b7eb8f; }
  #drop { border: 2px dashed #999; padding: 24px; text-align: center; }
  .state-activated { color: green; } .state-expired, .state-invalid { color: #c00; } .state-unused { color: #888; }
</style></head>
<body>
<h1>AI Studio</h1>
<section id="flows"></section>
<h2>Settings → Licenses</h2>
<section>
  <h3>License request</h3>
  <label>Start date <input type="date" id="start" data-testid="req-start"></label>
  <label>Period <select id="period" data-testid="req-period">
    <option value="month">Month</option><option value="3months">Three months</option>
    <option value="year" selected>Year</option><option value="perpetual">Perpetual</option>
  </select></label>
  <button id="request" data-testid="req-download">Request a license</button>
  <p>Send the downloaded <code>licensereq-aistudio.txt</code> to your vendor; upload the <code>.license</code> you get back.</p>
</section>
<section>
  <h3>Add license</h3>
  <div id="drop" data-testid="drop">Drop .license or .lcs files here, or <input type="file" id="files" multiple aria-label="License files" data-testid="upload-input"></div>
  <ul id="report" data-testid="import-report"></ul>
</section>
<section>
  <h3>Licenses</h3>
  <div class="scroll" tabindex="0" role="region" aria-label="Licenses"><table data-testid="licenses-table"><thead><tr><th>Type</th><th>Mode</th><th>Tenant</th><th>Bound to</th><th>State</th><th>Expires</th><th></th></tr></thead><tbody id="licenses"></tbody></table></div>
</section>
<section>
  <h3>Agents</h3>
  <input id="agent" placeholder="agent id" data-testid="agent-id"> <button id="create-agent" data-testid="agent-create">Create agent</button>
  <div class="scroll" tabindex="0" role="region" aria-label="Agents"><table><tbody id="agents" data-testid="agents"></tbody></table></div>
</section>
<script>
const $ = (id) => document.getElementById(id);
const api = async (path, body) => {
  const res = await fetch(path, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const data = await res.json();
  if (!res.ok) { alert(data.message || data.error); throw new Error(data.error); }
  return data;
};
const download = (name, text) => { const a = document.createElement('a'); a.href = URL.createObjectURL(new Blob([text])); a.download = name; a.click(); };
let state;
async function render() {
  state = await api('/api/state');
  $('flows').className = state.canBuild ? 'ok' : 'blocked';
  $('flows').innerHTML = state.canBuild
    ? '<h3 data-testid="flows-ok">Flows</h3><p>Build and manage your agents’ flows.</p>'
    : '<h3 data-testid="blocked">The platform license is missing or has expired</h3><p>Management is blocked. Renew: request a license below and upload the file you receive.</p>';
  const agents = state.agents.map((a) => a.id);
  $('licenses').innerHTML = state.licenses.map((l) => '<tr data-testid="license-' + l.scope + '">'
    + '<td>' + l.type + ' (' + l.scope + ')</td><td data-testid="mode">' + l.mode + '</td><td>' + l.tenant + '</td><td>' + (l.agentId || '') + '</td>'
    + '<td class="state-' + l.state + '" data-testid="state">' + l.state + (l.reason ? ' — ' + l.reason : '') + '</td>'
    + '<td>' + (l.expiresAt ? l.expiresAt.slice(0, 10) : 'perpetual') + '</td><td>'
    + (l.state !== 'invalid' && l.state !== 'expired' && l.tenant === 'default' && !l.agentId ? '<input placeholder="tenant" data-testid="tenant-input" id="t-' + l.id + '"><button data-testid="issue-tenant" onclick="issue(\\'' + l.id + '\\')">Issue to tenant</button>' : '')
    + (l.state === 'unused' && l.scope === 'seat' ? ' <select data-testid="bind-agent" id="b-' + l.id + '">' + agents.map((a) => '<option>' + a + '</option>').join('') + '</select><button data-testid="bind" onclick="bind(\\'' + l.id + '\\')">Bind agent</button>' : '')
    + '</td></tr>').join('');
  $('agents').innerHTML = state.agents.map((a) => '<tr data-testid="agent-' + a.id + '"><td>' + a.id + '</td><td>' + a.tenant + '</td><td data-testid="agent-state">' + (a.canConverse ? 'answering' : 'not licensed') + '</td>'
    + '<td><button data-testid="agent-delete" onclick="removeAgent(\\'' + a.id + '\\')">Delete agent</button></td></tr>').join('');
}
window.issue = async (id) => { await api('/api/licenses/issue-to-tenant', { licenseId: id, tenant: $('t-' + id).value }); render(); };
window.removeAgent = async (id) => { await api('/api/agents/delete', { id }); render(); };
window.bind = async (id) => { await api('/api/licenses/bind', { licenseId: id, agentId: $('b-' + id).value }); render(); };
async function upload(files) {
  const texts = await Promise.all([...files].map((f) => f.text()));
  const { reports } = await api('/api/licenses', { files: texts });
  $('report').innerHTML = reports.map((r) => '<li>' + (r.valid ? 'valid' : 'invalid: ' + r.code + ' ' + r.message) + '</li>').join('');
  render();
}
$('files').onchange = (e) => upload(e.target.files);
$('drop').ondragover = (e) => e.preventDefault();
$('drop').ondrop = (e) => { e.preventDefault(); upload(e.dataTransfer.files); };
$('request').onclick = async () => {
  const file = await api('/api/license-request', { startsAt: $('start').value || new Date().toISOString(), period: $('period').value });
  download(file.fileName, file.content);
};
$('create-agent').onclick = async () => { await api('/api/agents', { id: $('agent').value }); $('agent').value = ''; render(); };
render();
</script></body></html>`;
