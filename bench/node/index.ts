/**
 * Memory of a node (issue 8's goals: an idle node ≤ 150 MB RSS; 200 concurrent retrievals of
 * 100 KB records ≤ 300 MB with no failed request):
 *
 *   npm run bench -- node [concurrency] [recordKiB]          idle RSS and peak RSS under load (load.ts)
 *   npm run bench -- node breakdown [idleSeconds] [modes…]   where an idle node's memory goes (breakdown.ts)
 */
if (process.argv[2] === 'breakdown') await import('./breakdown.js')
else await import('./load.js')

export {}
