import fastify from 'fastify'
import { expectAssignable, expectError, expectNotAssignable, expectType } from 'tsd'
import fastifyAllowedMethods, { ANSWER_CHANNEL, fastifyAllowedMethods as named } from '..'
import type { AllowedMethodsAnswerMessage, AllowedMethodsProblem, FastifyAllowedMethods, FastifyAllowedMethodsOptions } from '..'

const app = fastify()

expectType<FastifyAllowedMethods>(fastifyAllowedMethods)
expectType<typeof fastifyAllowedMethods>(named)

app.register(fastifyAllowedMethods)
app.register(fastifyAllowedMethods, {})
app.register(fastifyAllowedMethods, {
  autoOptions: false,
  notImplemented: false,
  problemType: 'https://errors.example.com/method',
  useErrorHandler: true,
  openapi: false,
  contract: { document: './openapi.yaml', strict: true }
})
app.register(fastifyAllowedMethods, { problemType: (status) => `https://errors.example.com/${status}` })
app.register(fastifyAllowedMethods, { contract: { document: { openapi: '3.1.0', paths: {} } } })
app.register(fastifyAllowedMethods, { openapiDecorator: 'apiDocs', openapiStrict: true })
app.register(fastifyAllowedMethods, { answerEarly: true })
expectError(app.register(fastifyAllowedMethods, { answerEarly: 'always' }))
app.register(fastifyAllowedMethods, { openapiDecorator: ['publicDocs', 'adminDocs'] })
expectError(app.register(fastifyAllowedMethods, { openapiDecorator: 1 }))
expectError(app.register(fastifyAllowedMethods, { openapiStrict: 'yes' }))

expectError(app.register(fastifyAllowedMethods, { autoOptions: 'yes' }))
expectError(app.register(fastifyAllowedMethods, { unknownOption: true }))
expectNotAssignable<FastifyAllowedMethodsOptions>({ problemType: 42 })
expectAssignable<FastifyAllowedMethodsOptions>({ problemType: (status: 405 | 501) => String(status) })

// decorators
expectType<string[]>(app.allowedMethods('/items/1'))
expectType<string[]>(app.allowedMethods('/items/1', { host: 'api.example.com', 'accept-version': '1.x' }))
app.get('/caller', async (request) => app.allowedMethods('/items/1', request.headers, request))
expectError(app.allowedMethods('/items/1', {}, 'not a request'))
expectType<Record<string, string[]>>(app.methodTable())
expectError(app.allowedMethods())

// route config
app.get('/secret', { config: { allow: { hide: true } } }, async () => 'psst')
expectError(app.get('/secret', { config: { allow: { hide: 'yes' } } }, async () => 'psst'))
// a hide function sees the request (after the app's hooks on the 404 path)
app.delete('/users/:id', { config: { allow: { hide: (request) => request.headers.authorization === undefined } } }, async () => 'gone')
expectError(app.delete('/users/:id', { config: { allow: { hide: () => 'no' } } }, async () => 'gone'))

// the problem document type
const problem: AllowedMethodsProblem = { type: 'about:blank', title: 'Method Not Allowed', status: 405, detail: 'x', instance: '/x', allow: ['GET'] }
expectType<405 | 501>(problem.status)

// the answer channel (issue 12): its name, and the message a subscriber receives
expectType<'fastify-allowed-methods.answer'>(ANSWER_CHANNEL)
const onAnswer = (message: AllowedMethodsAnswerMessage): void => {
  expectType<405 | 501 | 204>(message.status)
  expectType<string>(message.method)
  expectType<string[]>(message.allow)
  expectType<string[]>(message.patterns)
  expectType<string>(message.request.url)
  expectType<number>(message.reply.statusCode)
}
onAnswer({} as AllowedMethodsAnswerMessage)

// OPTIONS extras (issue 12)
app.register(fastifyAllowedMethods, { acceptPatch: false, acceptPost: true, serviceDesc: '/openapi.json' })
app.register(fastifyAllowedMethods, { serviceDesc: false })
expectError(app.register(fastifyAllowedMethods, { acceptPatch: 'no' }))
expectError(app.register(fastifyAllowedMethods, { serviceDesc: 1 }))
