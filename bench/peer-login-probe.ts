// Bundled and run in a new plain Node process by the bench: one AppAuth-JS login (the bench plays
// the person in the browser), then the process's resident set size.
import { loadPeerConfiguration, runPeerLogin } from './peer-appauth.js';

// AppAuth-JS logs codes and verifiers with console.log; the bench output must carry no secret.
console.log = () => undefined;
const configuration = await loadPeerConfiguration(process.env['BENCH_ORIGIN'] ?? '');
await runPeerLogin(configuration, {
  clientId: process.env['BENCH_CLIENT_ID'] ?? '',
  audience: process.env['BENCH_AUDIENCE'] ?? '',
  port: 53792,
});
process.stdout.write(JSON.stringify({ status: 'signed-in', rss: process.memoryUsage().rss }));
process.exit(0);
