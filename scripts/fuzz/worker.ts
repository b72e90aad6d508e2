// Fuzz worker: runs one case per message and posts its outcome back.
import {parentPort} from 'node:worker_threads';
import {runCase} from './cases';

parentPort!.on('message', async ({kind, seed}) => parentPort!.postMessage(await runCase(kind, seed)));
