import fastify from 'fastify'
import type { FastifyRequest } from 'fastify'
import fastifyCors from '@fastify/cors'
import { expectAssignable, expectError, expectType } from 'tsd'
import fastifyAllowedMethods, { allowedMethodsCors } from '..'
import type { AllowedMethodsCorsDelegator, AllowedMethodsCorsOptions } from '..'

const app = fastify()
app.register(fastifyAllowedMethods)

// the helper's result is @fastify/cors options
app.register(fastifyCors, allowedMethodsCors())
app.register(fastifyCors, allowedMethodsCors({ origin: 'https://app.example' }))
app.register(fastifyCors, allowedMethodsCors({ origin: [/\.example$/, 'http://localhost:3000'], credentials: true, methods: ['GET', 'POST'], hook: 'preHandler', maxAge: 600, strictPreflight: false }))

const options = allowedMethodsCors({ origin: true })
expectAssignable<AllowedMethodsCorsOptions<{ origin: true }>>(options)
expectType<AllowedMethodsCorsDelegator<{ readonly origin: true }>>(options.delegator)
expectType<true>(options.origin)
options.delegator({} as FastifyRequest, (error, resolved) => {
  expectType<Error | null>(error)
  expectAssignable<{ origin: true, methods?: string | string[] } | undefined>(resolved)
})

// the delegator is the helper's own
expectError(allowedMethodsCors({ delegator: (_req: FastifyRequest, cb: (e: Error | null) => void) => cb(null) }))
// cors' own option types still apply where the options are registered
expectError(app.register(fastifyCors, allowedMethodsCors({ hook: 'onSend' })))
expectError(allowedMethodsCors('*'))
