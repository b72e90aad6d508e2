// bench/util.ts reports progress on process.stderr; in the page that becomes console lines the runner forwards.
const g = globalThis as unknown as {process?: {stderr: {write: (s: string) => boolean}}};
g.process ??= {stderr: {write: (s: string) => (console.log(s.trimEnd()), true)}};
