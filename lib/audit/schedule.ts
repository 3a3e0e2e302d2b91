/**
 * The order of an audit's requests on each resource. A stateful server must not see a PUT or a
 * DELETE while the audit compares its GET and HEAD answers: on every URL, the safe methods are
 * answered before the first other method is sent, and DELETE goes last, alone (a PUT racing it
 * would find the resource there or not, run by run). Across URLs the requests stay concurrent.
 */

/** Methods that change nothing (RFC 9110 section 9.2.1; QUERY is safe by its definition). */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'QUERY'])

/** Create, replace, modify, then any other unsafe method (PURGE...), DELETE last. */
function unsafeRank (method: string): number {
  const rank = ['POST', 'PUT', 'PATCH'].indexOf(method)
  if (rank !== -1) return rank
  return method === 'DELETE' ? 4 : 3
}

interface Request { method: string, url: string }
interface Deferred { promise: Promise<void>, resolve: () => void }

/**
 * The sending order: every safe request first (in the given order), then the unsafe ones, a
 * round at a time (the first unsafe method of every URL, then the second...), so that the
 * requests one URL has to wait for are long under way when its turn comes.
 */
export function orderRequests<R extends Request> (requests: R[]): R[] {
  const safe = requests.filter(r => SAFE_METHODS.has(r.method))
  const unsafe = new Map<string, R[]>()
  for (const r of requests) {
    if (SAFE_METHODS.has(r.method)) continue
    const list = unsafe.get(r.url)
    if (list === undefined) unsafe.set(r.url, [r])
    else list.push(r)
  }
  const lists = [...unsafe.values()].map(list => list.sort((a, b) => unsafeRank(a.method) - unsafeRank(b.method)))
  const rounds: R[] = []
  for (let round = 0; lists.some(list => round < list.length); round++) {
    for (const list of lists) if (round < list.length) rounds.push(list[round])
  }
  return [...safe, ...rounds]
}

/**
 * Wraps `send` so that each unsafe request waits until every safe request of its URL has settled,
 * and a DELETE until every other request of its URL has. The requests must be started in the
 * order orderRequests gives (runBounded starts them in order): what one waits for is then always
 * started before it, and never waits for it in turn.
 */
export function inResourceOrder<R extends Request, A> (requests: R[], send: (request: R) => Promise<A>): (request: R) => Promise<A> {
  const done = new Map<R, Deferred>()
  const byUrl = new Map<string, R[]>()
  for (const r of requests) {
    const deferred = {} as Deferred
    deferred.promise = new Promise<void>(resolve => { deferred.resolve = resolve })
    done.set(r, deferred)
    const list = byUrl.get(r.url)
    if (list === undefined) byUrl.set(r.url, [r])
    else list.push(r)
  }
  const before = new Map<R, R[]>()
  for (const r of requests) {
    if (SAFE_METHODS.has(r.method)) continue
    const others = (byUrl.get(r.url) as R[]).filter(other => other !== r)
    before.set(r, r.method === 'DELETE' ? others : others.filter(other => SAFE_METHODS.has(other.method)))
  }
  return async (request) => {
    try {
      await Promise.all((before.get(request) ?? []).map(r => (done.get(r) as Deferred).promise))
      return await send(request)
    } finally {
      (done.get(request) as Deferred).resolve()
    }
  }
}
