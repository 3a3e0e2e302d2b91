import { test } from 'tap'
import { compareMethods, sortMethods } from '../lib/methods'

test('Allow order: RFC 9110 methods in its order, then PATCH and QUERY, then the rest A-Z', async (t) => {
  t.same(sortMethods(['PURGE', 'PATCH', 'LINK', 'OPTIONS', 'GET', 'QUERY', 'HEAD', 'GET']), ['GET', 'HEAD', 'OPTIONS', 'PATCH', 'QUERY', 'LINK', 'PURGE'])
  t.ok(compareMethods('PURGE', 'LINK') > 0)
  t.ok(compareMethods('LINK', 'PURGE') < 0)
  t.equal(compareMethods('LINK', 'LINK'), 0)
  t.ok(compareMethods('DELETE', 'ACL') < 0, 'a registered method before any other')
})
