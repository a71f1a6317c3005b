// Runs AI Studio against a Licensor server: LICENSOR_URL, VENDOR (key prefix), INSTALLATION_ID, PORT, DATA_DIR.
import { startAiServer } from './app.js';

const licensor = process.env.LICENSOR_URL ?? 'http://127.0.0.1:8080';
const vendor = process.env.VENDOR ?? 'ACME';
const keys = await (await fetch(`${licensor}/v1/vendors/${vendor}/signing-keys`)).json();
const publicKeys = Object.fromEntries(keys.data.map((k) => [k.kid, k.publicKey]));
const app = await startAiServer({
  port: Number(process.env.PORT ?? 8090),
  dataDir: process.env.DATA_DIR ?? './data-ai-server',
  vendor,
  publicKeys,
  installationId: process.env.INSTALLATION_ID ?? 'ai-server-1',
});
console.log(`AI Studio is listening on ${app.url} (Settings → Licenses)`);
