import type { Answer } from '../types'
import { describe } from './answers'
import type { Finding } from './answers'

/** Headers a HEAD answer must carry like the GET answer (RFC 9110 section 9.3.2). */
const MIRRORED = ['content-type', 'content-encoding', 'content-language', 'etag', 'last-modified', 'cache-control', 'vary', 'location']

/** HEAD on `url` must answer like GET: same status, same representation headers, no body. */
export function headFinding (url: string, get: Answer, head: Answer): Finding {
  const expected = `${get.error === undefined ? get.status : 'the status of GET'}, GET's headers, no body`
  const got = head.error === undefined
    ? `${head.status}${head.body.length > 0 ? `, ${head.body.length} bytes of body` : ', no body'}`
    : describe(head)
  const problems: string[] = []
  if (get.error !== undefined || head.error !== undefined) {
    problems.push(`HEAD can only be compared with GET when both answer (GET: ${describe(get)}; HEAD: ${describe(head)}).`)
  } else {
    if (head.status !== get.status) {
      problems.push(`HEAD ${url} answered ${head.status} where GET answered ${get.status}: HEAD must answer exactly like GET, without the body (RFC 9110 section 9.3.2).`)
    } else {
      for (const name of MIRRORED) {
        const g = get.headers[name]
        const h = head.headers[name]
        if (g === h) continue
        if (h === undefined) problems.push(`HEAD lacks the ${name} header that GET sends (${g}).`)
        else if (g === undefined) problems.push(`HEAD sends a ${name} header (${h}) that GET does not.`)
        else problems.push(`The ${name} header differs: GET sends ${g}, HEAD sends ${h}.`)
      }
      const gl = get.headers['content-length']
      const hl = head.headers['content-length']
      // a HEAD answer may leave Content-Length out; when it gives one, it must be GET's
      if (gl !== undefined && hl !== undefined && gl !== hl) problems.push(`HEAD says content-length ${hl}, GET sends ${gl} bytes.`)
    }
    if (head.body.length > 0) problems.push(`HEAD ${url} sent ${head.body.length} bytes of body; an answer to HEAD has none.`)
  }
  return { expected, got, problems, pass: `HEAD answered ${head.status} like GET, with the same headers and no body.` }
}
